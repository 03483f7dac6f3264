#!/bin/sh
# Render /opt/dialer/asterisk_conf into /etc/asterisk with secrets from the environment, then run.
set -eu
: "${AMI_SECRET:?}" "${ARI_PASSWORD:?}"
rm -rf /etc/asterisk && mkdir -p /etc/asterisk /var/spool/asterisk/recording /var/log/asterisk/cdr-custom
for f in /opt/dialer/asterisk_conf/*.conf; do
  sed -e "s/@@BIND_ADDR@@:@@SIP_PORT@@/${SIP_BIND_ADDR:-0.0.0.0}:5060/" \
      -e "s/@@BIND_ADDR@@/${BIND_ADDR:-127.0.0.1}/g" -e "s/@@AMI_PORT@@/5038/g" -e "s/@@ARI_PORT@@/8088/g" \
      -e "s/@@AMI_USER@@/dialer/g" -e "s/@@AMI_SECRET@@/${AMI_SECRET}/g" \
      -e "s/@@ARI_USER@@/dialer/g" -e "s/@@ARI_PASSWORD@@/${ARI_PASSWORD}/g" \
      -e "s/@@ARI_APP@@/dialer/g" -e "s/@@MAX_CALLS@@/${MAX_CALLS:-2000}/g" \
      "$f" > "/etc/asterisk/$(basename "$f")"
done
cp /opt/dialer/site/pjsip_operators.conf /etc/asterisk/pjsip_operators.conf
exec asterisk -f
