"""Reference data loads from files, is idempotent, and a bad file writes nothing."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from contactpoint.models import AuditEntry
from needs import reference
from needs.models import Department, InterventionArea, Municipio, Neighbourhood

pytestmark = pytest.mark.django_db


def test_milan_reference_data_has_9_municipi_88_nil_departments_and_areas():
    call_command("load_reference_data")

    assert Municipio.objects.count() == 9
    assert Municipio.objects.get(number=4).name == "Municipio 4"
    assert Neighbourhood.objects.count() == 88
    assert set(Department.objects.values_list("name_en", flat=True)) >= {
        "Social Policies",
        "Education",
        "Resilient Cities",
        "Neighbourhoods plan",
        "Managing Authority",
        "Mayor's Cabinet",
    }
    assert Department.objects.get(slug="educazione").name == "Educazione"
    assert set(InterventionArea.objects.values_list("name_en", flat=True)) == {
        "Food poverty",
        "Digital poverty",
        "15-minute neighbourhood",
        "Underprivileged schools",
        "Greening",
        "STEM",
        "Circular economy",
    }
    assert "attrattività" in InterventionArea.objects.get(slug="scuole-svantaggiate").description


def test_nil_keep_the_official_name_and_get_a_readable_one():
    reference.load_reference_data()

    citta_studi = Neighbourhood.objects.get(nil_id=22)
    assert citta_studi.official_name == "CITTA' STUDI"
    assert citta_studi.name == "Città Studi"
    assert Neighbourhood.objects.get(nil_id=66).name == "QT 8"
    assert Neighbourhood.objects.get(nil_id=26).name == "XXII Marzo"
    assert Neighbourhood.objects.get(nil_id=31).name == "Monluè - Ponte Lambro"
    assert Neighbourhood.objects.get(nil_id=88).name == "Parco Bosco in Città"
    rogoredo = Neighbourhood.objects.get(nil_id=33)
    assert rogoredo.official_name == "ROGOREDO - SANTA GIULIA"
    assert rogoredo.lat == Decimal("45.43667")


def test_a_straddling_nil_belongs_to_all_its_municipi_the_first_being_the_main_one():
    reference.load_reference_data()

    pagano = Neighbourhood.objects.get(nil_id=68)  # "8;1;7"
    assert pagano.municipio.number == 8
    assert set(pagano.municipi.values_list("number", flat=True)) == {8, 1, 7}
    isola = Neighbourhood.objects.get(nil_id=11)  # "9;2"
    assert isola.municipio.number == 9
    assert set(isola.municipi.values_list("number", flat=True)) == {9, 2}
    straddling = [n for n in Neighbourhood.objects.all() if n.municipi.count() > 1]
    assert len(straddling) == 16


def test_loading_twice_changes_nothing_and_creates_no_duplicates():
    first = reference.load_reference_data()
    second = reference.load_reference_data()

    assert first.created == {"municipi": 9, "neighbourhoods": 88, "departments": 6, "areas": 7}
    assert second.created == {"municipi": 0, "neighbourhoods": 0, "departments": 0, "areas": 0}
    assert Neighbourhood.objects.count() == 88
    assert Municipio.objects.count() == 9
    assert AuditEntry.objects.filter(action="needs.reference.loaded").count() == 2


def test_another_city_loads_its_own_files(tmp_path):
    (tmp_path / "nil.csv").write_text(
        "nil_id,name,municipi,lat,lon,display_name\n"
        "1,CENTRE-VILLE,1,47.21,-1.55,Centre-ville\n"
        "2,BELLEVUE - CHANTENAY,1;2,47.20,-1.54,\n",
        encoding="utf-8",
    )
    (tmp_path / "municipi.csv").write_text(
        "number,name,name_en\n1,Quartier 1,District 1\n2,Quartier 2,District 2\n"
    )
    (tmp_path / "departments.csv").write_text("slug,name,name_en\nsolidarites,Solidarités,\n")
    (tmp_path / "areas.csv").write_text("slug,name,name_en\nnumerique,Numérique,Digital\n")

    call_command(
        "load_reference_data",
        nil=str(tmp_path / "nil.csv"),
        municipi=str(tmp_path / "municipi.csv"),
        departments=str(tmp_path / "departments.csv"),
        areas=str(tmp_path / "areas.csv"),
    )

    assert Neighbourhood.objects.get(nil_id=1).name == "Centre-ville"
    assert Neighbourhood.objects.get(nil_id=2).name == "Bellevue - Chantenay"
    assert Municipio.objects.get(number=2).name_en == "District 2"
    assert Department.objects.get().slug == "solidarites"


def _copy_defaults(tmp_path):
    paths = {}
    for key, source in (
        ("nil", reference.DEFAULT_NIL),
        ("municipi", reference.DEFAULT_MUNICIPI),
        ("departments", reference.DEFAULT_DEPARTMENTS),
        ("areas", reference.DEFAULT_AREAS),
    ):
        paths[key] = tmp_path / source.name
        shutil.copy(source, paths[key])
    return paths


@pytest.mark.parametrize(
    ("file", "edit", "message"),
    [
        (
            "nil",
            lambda text: text.replace("nil_id,name,municipi,lat,lon", "nil_id,name,municipi,lat"),
            "milan_nil.csv: missing column(s) lon",
        ),
        (
            "nil",
            lambda text: text.replace("33,ROGOREDO", "x33,ROGOREDO"),
            "milan_nil.csv, row 34: nil_id 'x33' is not a whole number",
        ),
        (
            "nil",
            lambda text: text.replace("34,CHIARAVALLE,5,", "34,CHIARAVALLE,12,"),
            "milan_nil.csv, row 35: Municipio 12 is not in the municipi file",
        ),
        (
            "nil",
            lambda text: text.replace("35,LODI", "33,LODI"),
            "milan_nil.csv, row 36: nil_id 33 appears more than once",
        ),
        (
            "nil",
            lambda text: text.replace("45.43667,9.24352", "north,9.24352"),
            "milan_nil.csv, row 34: lat 'north' is not a number",
        ),
        (
            "departments",
            lambda text: text.replace("educazione,", "educa zione,"),
            "departments.csv, row 3: slug 'educa zione' may contain only letters",
        ),
        (
            "areas",
            lambda text: text.replace("stem,STEM,", "stem,,"),
            "intervention_areas.csv, row 7: name is empty",
        ),
    ],
)
def test_a_bad_file_names_the_row_and_writes_nothing(tmp_path, file, edit, message):
    paths = _copy_defaults(tmp_path)
    path = paths[file]
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")

    with pytest.raises(CommandError) as excinfo:
        call_command(
            "load_reference_data",
            nil=str(paths["nil"]),
            municipi=str(paths["municipi"]),
            departments=str(paths["departments"]),
            areas=str(paths["areas"]),
        )

    assert message in str(excinfo.value)
    assert "Nothing was loaded" in str(excinfo.value)
    assert Municipio.objects.count() == 0
    assert Neighbourhood.objects.count() == 0
    assert Department.objects.count() == 0
    assert InterventionArea.objects.count() == 0
    assert not AuditEntry.objects.filter(action="needs.reference.loaded").exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(reference.ReferenceDataError, match="cannot be read"):
        reference.load_reference_data(nil_path=tmp_path / "nope.csv")
    assert Municipio.objects.count() == 0
