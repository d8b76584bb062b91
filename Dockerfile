# romas: one process serving the API and hosting the agents.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git is needed by `romas apply` to read the provenance of a checkout.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 romas

WORKDIR /srv/romas
COPY pyproject.toml README.md alembic.ini ./
COPY romas ./romas
COPY agent_specs ./agent_specs
RUN pip install '.[bridges]' \
    && mkdir -p /var/lib/romas \
    && chown romas:romas /var/lib/romas

USER romas
ENV ROMAS_HOST=0.0.0.0 \
    ROMAS_PORT=8000 \
    ROMAS_DATABASE_URL=sqlite+aiosqlite:////var/lib/romas/romas.db
VOLUME ["/var/lib/romas"]
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status == 200 else 1)"

# Listening beyond loopback needs ROMAS_TOKENS (name:secret[:scope+scope];...); romas refuses to start without.
CMD ["sh", "-c", "romas db upgrade && exec romas serve --seed agent_specs"]
