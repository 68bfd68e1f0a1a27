# The broker's second listener, SASL_SSL on 127.0.0.1:9094, for the secured-cluster
# tests: TLS with a certificate from the test CA (scripts/services/tls.sh), and
# SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for user "cdc".
#
# server.properties is left exactly as before this listener existed and the
# listener is added with --override arguments instead: other checkouts sharing
# the cache dir run older copies of this script, and those restart a broker
# whose server.properties fingerprint differs from theirs. The listener's own
# fingerprint travels in the JVM's command line (-Dcdc.kafka.secure=…), so a
# broker started by an older copy is recognised and restarted once.
#
# $KAFKA_DIR/secure/ holds the user's password (cdc.password, random, made once),
# the JAAS file (PLAIN's user list; it keeps the password off the command line)
# and the PEM keystore. SCRAM credentials live in the cluster metadata; they are
# added with Kafka's own kafka-configs tool (kafka.admin.ConfigCommand) when a
# SCRAM login fails.

KAFKA_SECURE_PORT="${CDC_KAFKA_SECURE_PORT:-9094}"
KAFKA_SECURE_DIR="$KAFKA_DIR/secure"
KAFKA_SECURE_USER=cdc
KAFKA_SECURE_JVM=()
KAFKA_SECURE_OVERRIDES=()
KAFKA_SECURE_FP=

kafka_secure_config() {
  ensure_test_ca
  mkdir -p "$KAFKA_SECURE_DIR"
  chmod 700 "$KAFKA_SECURE_DIR"
  if [ ! -s "$KAFKA_SECURE_DIR/cdc.password" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' 'xy' >"$KAFKA_SECURE_DIR/cdc.password")
  fi
  local password
  password="$(cat "$KAFKA_SECURE_DIR/cdc.password")"
  (umask 077 && cat "$TLS_DIR/server.key" "$TLS_DIR/server.pem" >"$KAFKA_SECURE_DIR/keystore.pem")
  (umask 077 && cat >"$KAFKA_SECURE_DIR/jaas.conf" <<EOF
sasl_ssl.KafkaServer {
  org.apache.kafka.common.security.plain.PlainLoginModule required
    user_$KAFKA_SECURE_USER="$password";
  org.apache.kafka.common.security.scram.ScramLoginModule required;
};
EOF
  )
  local p=listener.name.sasl_ssl
  KAFKA_SECURE_OVERRIDES=(
    --override "listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,SASL_SSL://127.0.0.1:$KAFKA_SECURE_PORT"
    --override "advertised.listeners=PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:$KAFKA_SECURE_PORT"
    --override "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL"
    --override "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"
    --override "$p.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"
    --override "$p.ssl.keystore.type=PEM"
    --override "$p.ssl.keystore.location=$KAFKA_SECURE_DIR/keystore.pem"
    --override "$p.ssl.truststore.type=PEM"
    --override "$p.ssl.truststore.location=$TLS_DIR/ca.pem"
    # A client certificate is checked against the CA when one is offered (mutual TLS).
    --override "$p.ssl.client.auth=requested"
  )
  KAFKA_SECURE_FP="$({ echo "${KAFKA_SECURE_OVERRIDES[*]}"; sha_of "$KAFKA_SECURE_DIR/jaas.conf" \
    "$KAFKA_SECURE_DIR/keystore.pem" "$TLS_DIR/ca.pem"; } | sha256sum | cut -c1-16)"
  KAFKA_SECURE_JVM=(-Djava.security.auth.login.config="$KAFKA_SECURE_DIR/jaas.conf" -Dcdc.kafka.secure="$KAFKA_SECURE_FP")
}

kafka_secure_running() {
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "-Dcdc.kafka.secure=$KAFKA_SECURE_FP "
}

kafka_secure_probe() {
  CDC_PROBE_CA="$TLS_DIR/ca.pem" CDC_PROBE_USER="$KAFKA_SECURE_USER" \
    CDC_PROBE_PASSWORD_FILE="$KAFKA_SECURE_DIR/cdc.password" CDC_PROBE_PORT="$KAFKA_SECURE_PORT" \
    probe kafka-secure "$@"
}

# SCRAM users are cluster metadata: a fresh data dir has none. Added only when
# a SCRAM-SHA-512 login is refused, so a running broker is not touched.
kafka_secure_users() {
  local err rc=0
  err="$(kafka_secure_probe 20 2>&1)" || rc=$?
  [ "$rc" -eq 0 ] && return 0
  [ "$rc" -eq 4 ] || die "kafka: SASL_SSL listener on 127.0.0.1:$KAFKA_SECURE_PORT does not answer: $err"
  local password log="$KAFKA_DIR/logs/scram.log"
  password="$(cat "$KAFKA_SECURE_DIR/cdc.password")"
  # --add-config-file would keep the password off the command line, but Kafka 3.9
  # reads SCRAM-SHA-512 from it as SCRAM_SHA_512 and refuses it; this is a test
  # broker's throwaway password, visible for the seconds the tool runs. One call
  # per mechanism: one request may not alter a user twice. The log holds the
  # password (the tool echoes its arguments), so it is private and not printed.
  (umask 077 && : >"$log")
  local mech
  for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
    "${KAFKA_JAVA[@]}" kafka.admin.ConfigCommand --bootstrap-server 127.0.0.1:9092 --alter \
      --entity-type users --entity-name "$KAFKA_SECURE_USER" \
      --add-config "$mech=[password=$password]" >>"$log" 2>&1 \
      || die "kafka: kafka-configs could not add the $mech user $KAFKA_SECURE_USER (see $log)"
  done
  err="$(kafka_secure_probe 20 2>&1)" || die "kafka: SCRAM login still fails after adding user $KAFKA_SECURE_USER: $err"
  echo "kafka: added SCRAM-SHA-256/512 credentials for user $KAFKA_SECURE_USER"
}
