# pressetl image: the locked environment plus the project, for Airflow and the CLI.
FROM python:3.11-slim-bookworm

ENV UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 PYTHONUNBUFFERED=1 \
    PATH="/opt/pressetl/.venv/bin:$PATH" AIRFLOW_HOME=/opt/airflow
RUN pip install --no-cache-dir uv
WORKDIR /opt/pressetl

# Dependencies first (cached layer), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY pipeline ./pipeline
COPY spiders ./spiders
COPY transforms ./transforms
COPY quality ./quality
COPY warehouse ./warehouse
COPY devsite ./devsite
COPY profiles ./profiles
COPY dags ./dags
RUN uv sync --frozen --no-dev

CMD ["pressetl", "--help"]
