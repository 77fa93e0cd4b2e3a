# jobmatch's image, for every role of the scaled-out deployment (deploy/compose.yaml): `jobmatch serve` (the API)
# and `jobmatch worker` (Celery). The ranking model ships inside a Python package, so nothing is downloaded at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1 \
    JOBMATCH_HOME=/var/lib/jobmatch

WORKDIR /app
# torch first and on its own layer: it is the heaviest dependency and changes least. Pass
# --build-arg TORCH_INDEX=<a CPU wheel index> to keep the image free of GPU libraries.
ARG TORCH_SPEC="torch>=2.6,<2.15"
ARG TORCH_INDEX=""
RUN pip install ${TORCH_INDEX:+--index-url "$TORCH_INDEX"} "$TORCH_SPEC"

COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install ".[celery]" && useradd --create-home --uid 10001 jobmatch && mkdir -p "$JOBMATCH_HOME" \
    && chown jobmatch "$JOBMATCH_HOME"

USER jobmatch
EXPOSE 8000
CMD ["jobmatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
