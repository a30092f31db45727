# bundle-lib.sh: helpers for the bundle tests (export, import, bundle).
# Sourced after tests/lib.sh.

# jp_cms_certs DIR: make, with the openssl CLI, in DIR:
#   ca.pem ca.key          a CA
#   signer.pem signer.key  a signer issued by the CA (EC P-256)
#   self.pem self.key      a self-signed signer (trusts itself)
#   other-ca.pem, other.pem other.key   a second CA and a signer it issued
#   expired.pem expired.key             a signer of the CA whose validity has ended
jp_cms_certs() {
	(
	cd "$1" || exit 1
	EC="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
	openssl req -x509 -nodes -days 30 $EC -subj /CN=jprepo-test-ca \
	    -keyout ca.key -out ca.pem 2>/dev/null || exit 1
	openssl req -x509 -nodes -days 30 $EC -subj /CN=jprepo-test-other-ca \
	    -keyout other-ca.key -out other-ca.pem 2>/dev/null || exit 1
	openssl req -x509 -nodes -days 30 $EC -subj /CN=jprepo-test-self \
	    -keyout self.key -out self.pem 2>/dev/null || exit 1
	for s in signer:ca:30 other:other-ca:30 expired:ca:-1; do
		n=${s%%:*}; r=${s#*:}; c=${r%%:*}; d=${r#*:}
		openssl req -new $EC -nodes -subj "/CN=jprepo-test-$n" \
		    -keyout "$n.key" -out "$n.csr" 2>/dev/null || exit 1
		openssl x509 -req -in "$n.csr" -CA "$c.pem" -CAkey "$c.key" \
		    -days "$d" -out "$n.pem" 2>/dev/null || exit 1
	done
	) || fail "cannot make test certificates with openssl"
}

# jp_tree_hash DIR: one sha256 over every path, type, mode and content under
# DIR (symlink targets and file sizes too; not directory sizes, which ext4
# never shrinks), for "byte for byte as it was" checks.
jp_tree_hash() {
	(cd "$1" && find . \( -type d -printf '%p d %m\n' \) -o \
	    -printf '%p %y %m %s %l\n' | LC_ALL=C sort &&
	    find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) |
	    sha256sum | cut -d' ' -f1
}

# jp_cms_check MANIFEST SIG CA: the openssl oracle for MANIFEST.sig.
jp_cms_check() {
	openssl cms -verify -binary -inform DER -content "$1" -in "$2" \
	    -CAfile "$3" -purpose any -out /dev/null 2>/dev/null
}
