"""Approved, published and retired template versions cannot be rewritten or deleted.

Enforced by PostgreSQL itself, so a form, the admin, a script or a raw UPDATE all fail the
same way. Allowed on a non-draft row: the status moves approved -> published -> retired and
the matching timestamps being set once.
"""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION vademecum_version_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'template version % is %: it cannot be deleted', OLD.id, OLD.status
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'draft' THEN
        RETURN NEW;
    END IF;
    IF NEW.template_id IS DISTINCT FROM OLD.template_id
        OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.clauses IS DISTINCT FROM OLD.clauses
        OR NEW.guidance IS DISTINCT FROM OLD.guidance
        OR NEW.changelog IS DISTINCT FROM OLD.changelog
        OR NEW.based_on_id IS DISTINCT FROM OLD.based_on_id
        OR NEW.created_at IS DISTINCT FROM OLD.created_at
        OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id
        OR NEW.approved_at IS DISTINCT FROM OLD.approved_at
        OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id THEN
        RAISE EXCEPTION 'template version % is %: its content is immutable', OLD.id, OLD.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NOT (NEW.status = OLD.status
            OR (OLD.status = 'approved' AND NEW.status = 'published')
            OR (OLD.status = 'published' AND NEW.status = 'retired')) THEN
        RAISE EXCEPTION 'template version % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status IN ('published', 'retired')
        AND NEW.published_at IS DISTINCT FROM OLD.published_at THEN
        RAISE EXCEPTION 'template version %: the publication date is fixed', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'retired' AND NEW.retired_at IS DISTINCT FROM OLD.retired_at THEN
        RAISE EXCEPTION 'template version %: the retirement date is fixed', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER vademecum_version_guard
    BEFORE UPDATE OR DELETE ON vademecum_templateversion
    FOR EACH ROW EXECUTE FUNCTION vademecum_version_guard();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS vademecum_version_guard ON vademecum_templateversion;
DROP FUNCTION IF EXISTS vademecum_version_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("vademecum", "0001_templates_versions_agreements")]

    operations = [migrations.RunSQL(GUARD, UNGUARD)]
