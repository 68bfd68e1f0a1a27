# A throwaway certificate authority for the TLS tests, generated with openssl on
# first use into $CDC_CACHE_DIR/tls (outside the repository, never committed):
#
#   ca.pem                  the CA certificate clients trust
#   server.pem, server.key  signed by the CA for localhost, 127.0.0.1 and ::1
#   client.pem, client.key  signed by the CA, CN=cdc-client (mutual TLS)
#
# Generated once; regenerated only when a file is missing or the server
# certificate no longer verifies against the CA (or expires within a day), so
# servers holding copies are not re-keyed on every run.

TLS_DIR="$CDC_CACHE_DIR/tls"

tls_valid() {
  local f
  for f in ca.pem ca.key server.pem server.key client.pem client.key; do
    [ -s "$TLS_DIR/$f" ] || return 1
  done
  openssl verify -CAfile "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem" "$TLS_DIR/client.pem" >/dev/null 2>&1 \
    && openssl x509 -checkend 86400 -noout -in "$TLS_DIR/server.pem" >/dev/null 2>&1
}

# tls_issue NAME SUBJECT [SAN]: a key and a CA-signed certificate.
tls_issue() {
  local name="$1" subject="$2" san="${3:-}" ext
  ext="$(mktemp)"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=digitalSignature,keyEncipherment"
    if [ -n "$san" ]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=$san"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$ext"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TLS_DIR/$name.key" 2>/dev/null
  openssl req -new -key "$TLS_DIR/$name.key" -subj "$subject" -out "$TLS_DIR/$name.csr" 2>/dev/null
  openssl x509 -req -in "$TLS_DIR/$name.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile "$ext" -out "$TLS_DIR/$name.pem" 2>/dev/null
  rm -f "$ext" "$TLS_DIR/$name.csr"
}

ensure_test_ca() {
  tls_valid && return 0
  command -v openssl >/dev/null 2>&1 || apt_install openssl
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR"
  chmod 700 "$TLS_DIR"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TLS_DIR/ca.key" 2>/dev/null \
    || die "tls: openssl could not generate the test CA key"
  openssl req -x509 -new -key "$TLS_DIR/ca.key" -sha256 -days 3650 -subj "/CN=cdc test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$TLS_DIR/ca.pem" 2>/dev/null || die "tls: openssl could not create the test CA"
  tls_issue server "/CN=localhost" "DNS:localhost,IP:127.0.0.1,IP:::1"
  tls_issue client "/CN=cdc-client"
  tls_valid || die "tls: generated certificates in $TLS_DIR do not verify"
  echo "tls: generated a test CA and certificates in $TLS_DIR"
}

# tls_copy_for USER DIR: copies of the server key and certificates that USER
# (postgres, mysql) may read; servers refuse keys readable by others. Prints
# "changed" when a file was (re)written, so the caller knows to reload.
tls_copy_for() {
  local user="$1" dir="$2" f
  as_root install -d -m 0750 -o "$user" -g "$user" "$dir"
  for f in ca.pem server.pem server.key; do
    if ! as_root cmp -s "$TLS_DIR/$f" "$dir/$f"; then
      as_root install -m 0600 -o "$user" -g "$user" "$TLS_DIR/$f" "$dir/$f"
      echo changed
    fi
  done | sort -u
}
