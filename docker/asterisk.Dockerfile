# Asterisk 22 from Debian sid, the same packages the lab installs. ASTERISK_BASE lets a site (or the
# smoke test, which cannot reach Docker Hub) build on its own Debian sid image.
ARG ASTERISK_BASE=debian:sid-slim
FROM ${ASTERISK_BASE}
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false install -y --no-install-recommends \
      asterisk asterisk-modules asterisk-core-sounds-en-gsm \
 && rm -rf /var/lib/apt/lists/*
COPY docker/asterisk-entrypoint.sh /usr/local/bin/asterisk-entrypoint
HEALTHCHECK --interval=5s --timeout=5s --retries=24 CMD asterisk -rx "core show version" | grep -q Asterisk
ENTRYPOINT ["sh", "/usr/local/bin/asterisk-entrypoint"]
