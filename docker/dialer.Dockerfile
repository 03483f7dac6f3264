# The dialer in a venv. PYTHON_BASE is any image with Python >= 3.11 and its venv module (the official
# python image by default). PIP_INSTALL_OPTS lets an offline build install from wheels put in
# docker/wheels/ (e.g. `--no-index --find-links /opt/dialer/docker/wheels`), as the smoke test does.
ARG PYTHON_BASE=python:3.11-slim
FROM ${PYTHON_BASE}
ARG PIP_INSTALL_OPTS=""
# ffmpeg encodes the stored recordings (pydub drives it).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/dialer
COPY docker/wheels ./docker/wheels
COPY pyproject.toml README.md alembic.ini constraints.tx[t] ./
COPY dialer ./dialer
COPY migrations ./migrations
COPY asterisk_conf ./asterisk_conf
COPY campaigns ./campaigns
RUN python3 -m venv /opt/venv \
 && if [ -f constraints.txt ]; then c="-c constraints.txt"; else c=""; fi \
 && /opt/venv/bin/pip install --no-cache-dir $PIP_INSTALL_OPTS $c ".[s3]" \
 && rm -rf docker/wheels
ENV PATH=/opt/venv/bin:$PATH DIALER_HOME=/opt/dialer
ENTRYPOINT []
