# Asterisk 22 from Debian sid, the same packages the lab installs.
FROM debian:sid-slim
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false install -y --no-install-recommends \
      asterisk asterisk-modules asterisk-core-sounds-en-gsm \
 && rm -rf /var/lib/apt/lists/*
COPY docker/asterisk-entrypoint.sh /usr/local/bin/asterisk-entrypoint
ENTRYPOINT ["sh", "/usr/local/bin/asterisk-entrypoint"]
