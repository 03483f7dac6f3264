FROM python:3.11-slim
WORKDIR /opt/dialer
COPY pyproject.toml README.md alembic.ini ./
COPY dialer ./dialer
COPY migrations ./migrations
COPY asterisk_conf ./asterisk_conf
COPY campaigns ./campaigns
RUN pip install --no-cache-dir .
ENTRYPOINT []
