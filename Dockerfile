# pressetl image: the locked environment (uv.lock) plus the project, for every Airflow
# service of docker-compose.yml and for the `pressetl` CLI.
FROM python:3.11-slim-bookworm

ENV UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 UV_PYTHON_DOWNLOADS=never PYTHONUNBUFFERED=1 \
    PATH="/opt/pressetl/.venv/bin:$PATH" AIRFLOW_HOME=/opt/airflow
RUN pip install --no-cache-dir uv \
    && useradd --uid 50000 --gid 0 --home-dir /opt/airflow --create-home airflow \
    && mkdir -p /data /opt/airflow/logs \
    && chown -R 50000:0 /data /opt/airflow
WORKDIR /opt/pressetl

# Dependencies first (a cached layer while only the code changes), exactly as locked.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# The project: every package, the site profiles, the DAGs, the container scripts (docker/:
# the init job, the secrets check, the healthcheck), the docs.
COPY core ./core
COPY pipeline ./pipeline
COPY spiders ./spiders
COPY transforms ./transforms
COPY quality ./quality
COPY warehouse ./warehouse
COPY devsite ./devsite
COPY profiles ./profiles
COPY dags ./dags
COPY docker ./docker
COPY docs ./docs
RUN uv sync --frozen --no-dev

# Code and venv stay root-owned and read-only; the service writes /data and /opt/airflow only.
USER 50000
CMD ["pressetl", "--help"]
