"""The private tracking link: status, data and withdrawal of one offer, nobody else's."""

from __future__ import annotations

import pytest

from contactpoint.models import AuditEntry
from needs.models import Need
from stakeholders.models import Offer
from tests.factories import NeedFactory, OfferFactory

pytestmark = pytest.mark.django_db


def track_url(offer: Offer) -> str:
    return f"/offers/track/{offer.tracking_token}/"


def test_tracking_page_shows_status_data_need_and_next_steps(client):
    need = NeedFactory(title="Murale alla Scuola Sottocorno")
    offer = OfferFactory(title="Pittura e pennelli", need=need, unit="litri", quantity=40)

    response = client.get(track_url(offer))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Pittura e pennelli" in html
    assert "40 litri" in html
    assert offer.get_status_display() in html
    assert "Murale alla Scuola Sottocorno" in html
    assert f'href="/needs/{need.pk}/"' in html
    assert offer.organisation.legal_name in html
    assert 'name="robots" content="noindex, nofollow"' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_tracking_page_of_a_closed_need_names_it_without_a_link(client):
    need = NeedFactory(title="Fabbisogno chiuso", status=Need.Status.CLOSED)
    offer = OfferFactory(need=need)

    html = client.get(track_url(offer)).content.decode()

    assert "Fabbisogno chiuso" in html
    assert f'href="/needs/{need.pk}/"' not in html


@pytest.mark.parametrize("token", ["wrong", "x" * 43, "x" * 200, "%3Cscript%3E"])
def test_a_wrong_token_is_a_404_and_shows_no_offer(client, token):
    offer = OfferFactory(title="Offerta riservata")

    response = client.get(f"/offers/track/{token}/")

    assert response.status_code == 404
    assert "Offerta riservata" not in response.content.decode()
    assert offer.title not in response.content.decode()


def test_one_token_shows_one_offer_only(client):
    mine = OfferFactory(title="La mia offerta")
    OfferFactory(title="Offerta di altri", organisation=mine.organisation)

    html = client.get(track_url(mine)).content.decode()

    assert "La mia offerta" in html
    assert "Offerta di altri" not in html


def test_withdraw_from_the_tracking_page_is_audited_and_only_once(client):
    offer = OfferFactory()

    response = client.post(f"{track_url(offer)}withdraw/")

    assert response.status_code == 302
    assert response["Location"] == track_url(offer)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert offer.withdrawn_at is not None
    entry = AuditEntry.objects.get(action="stakeholders.offer.withdrawn")
    assert entry.payload == {"previous_status": "submitted", "source": "tracking_link"}
    page = client.get(track_url(offer)).content.decode()
    assert "withdraw/" not in page  # no button on a closed offer

    again = client.post(f"{track_url(offer)}withdraw/", follow=True)
    assert again.status_code == 200
    assert AuditEntry.objects.filter(action="stakeholders.offer.withdrawn").count() == 1


@pytest.mark.parametrize("status", [Offer.Status.COMPLETED, Offer.Status.DECLINED])
def test_a_closed_offer_cannot_be_withdrawn(client, status):
    offer = OfferFactory(status=status)

    client.post(f"{track_url(offer)}withdraw/")

    offer.refresh_from_db()
    assert offer.status == status


def test_withdraw_needs_post_and_a_right_token(client):
    offer = OfferFactory()

    assert client.get(f"{track_url(offer)}withdraw/").status_code == 405
    assert client.post("/offers/track/not-the-token/withdraw/").status_code == 404
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SUBMITTED
