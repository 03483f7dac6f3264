# A PostgreSQL image built from Debian's packages, for the compose smoke test (Docker Hub's postgres image
# cannot be pulled here). It takes the official image's interface: POSTGRES_DB, POSTGRES_USER,
# POSTGRES_PASSWORD, data in /var/lib/postgresql/data, and `postgres -c ...` as the command.
ARG BASE=dialer-base/bookworm:local
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/lib/postgresql/*/bin/postgres /usr/local/bin/postgres \
 && ln -s /usr/lib/postgresql/*/bin/initdb /usr/local/bin/initdb
ENV PGDATA=/var/lib/postgresql/data
COPY tests/deploy/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENTRYPOINT ["sh", "/usr/local/bin/postgres-entrypoint"]
CMD ["postgres"]
