# Contact Point: one image for web (gunicorn), Celery worker, Celery beat and migrations.
# docker-compose.yml runs it in the production shape; every setting comes from the environment.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=contactpoint.settings \
    CONTACTPOINT_ENV=production \
    CONTACTPOINT_DATA_DIR=/data

# pango for weasyprint's PDFs, libharfbuzz-subset0 for font subsetting, gettext for
# compilemessages. No browser: browser tests do not run in the image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 contactpoint \
    && useradd --system --uid 10001 --gid contactpoint --create-home \
        --home-dir /home/contactpoint --shell /usr/sbin/nologin contactpoint

WORKDIR /app

# The project's runtime dependencies (pyproject's [project] dependencies, not the dev extra),
# in their own layer so a code change does not reinstall them. The code itself runs from
# /app rather than from an installed copy, so templates/, static/ and locale/ sit next to it.
COPY pyproject.toml ./
RUN python -m venv /opt/venv \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Translations and static files are built into the image. The secret and the URLs are
# throwaway values: settings never connect at import, and no service exists at build time.
# Static files land in /data/staticfiles (STATIC_ROOT) inside the image; only /data/media is a
# volume, so a new image always serves its own static files.
RUN export SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
        DATABASE_URL=postgres://build@localhost/build \
        REDIS_URL=redis://localhost:6379/0 \
    && python manage.py compilemessages \
    && python manage.py collectstatic --noinput \
    && mkdir -p /data/media \
    && chown contactpoint:contactpoint /data/media

USER contactpoint
EXPOSE 8000

CMD ["gunicorn", "contactpoint.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
