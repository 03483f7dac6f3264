FROM python:3.11-slim
WORKDIR /opt/dialer
COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY dialer ./dialer
COPY migrations ./migrations
COPY asterisk_conf ./asterisk_conf
COPY campaigns ./campaigns
# the same pinned versions as the tests; boto3 for DIALER_RECORDING_STORE=s3
RUN pip install --no-cache-dir -c constraints.txt '.[s3]'
ENTRYPOINT []
