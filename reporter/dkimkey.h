/* A DKIM private key's type, from its structure (pure; libcrypto is not one of our
 * dependencies): "BEGIN RSA PRIVATE KEY" (PKCS#1) is RSA; a PKCS#8 "BEGIN PRIVATE KEY" (or
 * bare base64 DER, which libopendkim also reads) names its algorithm by OID, found in the
 * decoded DER (rsaEncryption or id-Ed25519). libopendkim 2.11 does not check that a key fits
 * the algorithm (an RSA key "signs" as ed25519-sha256 and yields a signature no verifier
 * accepts), so dkim.c must know the type before it signs. The trial signature that proves a
 * key usable, and gives an RSA key's size, is dkim_signer_from_key() (reporter/dkim.h): the
 * one check that `send`, `send --check` and `check-config` share. */
#ifndef TLSRPT_DKIMKEY_H
#define TLSRPT_DKIMKEY_H

#include <stddef.h>

enum dkimkey_type { DKIMKEY_NONE, DKIMKEY_RSA, DKIMKEY_ED25519 };

struct dkimkey_info {
    enum dkimkey_type type;
    int bits; /* RSA modulus size; 256 for Ed25519 */
};

/* The type the key text (PEM or base64 DER, NUL-terminated) says it is; DKIMKEY_NONE when it
 * is neither. */
enum dkimkey_type dkimkey_type_of(const char *key);

/* The decoded size in bytes of base64 text (whitespace and '=' padding skipped):
 * a signature's b= value gives the signature's size. */
size_t dkimkey_b64_bytes(const char *b64, size_t len);

/* "rsa-sha256" or "ed25519-sha256": the algorithm a key of this type signs with. */
const char *dkimkey_algorithm(enum dkimkey_type type);

#endif
