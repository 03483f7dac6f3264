#!/bin/sh
# Render /opt/dialer/asterisk_conf into /etc/asterisk, every @@NAME@@ placeholder filled from the
# environment variable NAME (defaults below), the same placeholders the lab fills; then run Asterisk.
# A placeholder left unfilled stops the container with its name, rather than starting a broken Asterisk.
set -eu
: "${AMI_SECRET:?set AMI_SECRET}" "${ARI_PASSWORD:?set ARI_PASSWORD}"
: "${BIND_ADDR:=127.0.0.1}" "${SIP_BIND_ADDR:=0.0.0.0}" "${AMI_PORT:=5038}" "${ARI_PORT:=8088}" "${SIP_PORT:=5060}"
: "${AMI_USER:=dialer}" "${ARI_USER:=dialer}" "${ARI_APP:=dialer}" "${MAX_CALLS:=2000}"
: "${RTP_START:=10000}" "${RTP_END:=20000}"
: "${ETC_DIR:=/etc/asterisk}" "${DB_DIR:=/var/lib/asterisk}" "${SPOOL_DIR:=/var/spool/asterisk}"
: "${RUN_DIR:=/var/run/asterisk}" "${LOG_DIR:=/var/log/asterisk}"
DIRECTORIES_TEMPLATE="(!)"
NAMES="BIND_ADDR AMI_PORT ARI_PORT SIP_PORT AMI_USER AMI_SECRET ARI_USER ARI_PASSWORD ARI_APP MAX_CALLS
RTP_START RTP_END DIRECTORIES_TEMPLATE ETC_DIR DB_DIR SPOOL_DIR RUN_DIR LOG_DIR"

# sed replacement text: escape the delimiter, backslash and &
esc() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

script=$(mktemp)
# SIP listens on its own address (the operators' network); AMI and ARI stay on BIND_ADDR.
printf 's|@@BIND_ADDR@@:@@SIP_PORT@@|%s:%s|g\n' "$(esc "$SIP_BIND_ADDR")" "$(esc "$SIP_PORT")" >"$script"
for name in $NAMES; do
  eval "value=\${$name}"
  printf 's|@@%s@@|%s|g\n' "$name" "$(esc "$value")" >>"$script"
done

rm -rf /etc/asterisk && mkdir -p /etc/asterisk "$SPOOL_DIR/recording" "$LOG_DIR/cdr-custom" "$LOG_DIR/cel-custom"
for f in /opt/dialer/asterisk_conf/*.conf; do
  sed -f "$script" "$f" >"/etc/asterisk/$(basename "$f")"
done
rm -f "$script"
if [ -f /opt/dialer/site/pjsip_operators.conf ]; then
  cp /opt/dialer/site/pjsip_operators.conf /etc/asterisk/pjsip_operators.conf
else
  echo "asterisk-entrypoint: no site/pjsip_operators.conf mounted: no operator endpoints" >&2
  : >/etc/asterisk/pjsip_operators.conf
fi
if left=$(grep -ho '@@[A-Z_]*@@' /etc/asterisk/*.conf | sort -u) && [ -n "$left" ]; then
  echo "asterisk-entrypoint: unfilled placeholders: $left" >&2
  exit 1
fi
exec asterisk -f
