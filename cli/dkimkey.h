/* Whether a DKIM private key can sign, decided the way the signer will use it.
 *
 * Two steps, because neither alone is enough and libcrypto is not one of our dependencies:
 * 1. The key's type from its structure: "BEGIN RSA PRIVATE KEY" (PKCS#1) is RSA; a PKCS#8
 *    "BEGIN PRIVATE KEY" (or bare base64 DER, which libopendkim also reads) names its
 *    algorithm by OID, found in the decoded DER (rsaEncryption or id-Ed25519). libopendkim
 *    2.11 does not check that a key fits the algorithm (an RSA key "signs" as ed25519-sha256
 *    and yields a signature no verifier accepts), so the type must be known beforehand.
 * 2. A trial signature of an empty message with libopendkim itself (dkim_sign ... dkim_eom),
 *    with the algorithm of that type: the key loads and signs exactly as reports will be
 *    signed. An RSA key's size is the signature's length in bits. */
#ifndef TLSRPT_DKIMKEY_H
#define TLSRPT_DKIMKEY_H

#include <stddef.h>

enum dkimkey_type { DKIMKEY_NONE, DKIMKEY_RSA, DKIMKEY_ED25519 };

struct dkimkey_info {
    enum dkimkey_type type;
    int bits; /* RSA modulus size; 256 for Ed25519 */
};

/* The type the key text says it is (step 1); DKIMKEY_NONE when it is neither. Pure. */
enum dkimkey_type dkimkey_type_of(const char *key);

/* Both steps on the key text (PEM or base64 DER, NUL-terminated). Returns 0 and fills info,
 * or -1 with the reason in err. */
int dkimkey_probe(const char *key, struct dkimkey_info *info, char *err, size_t errsize);

/* "rsa-sha256" or "ed25519-sha256": the algorithm a key of this type signs with. */
const char *dkimkey_algorithm(enum dkimkey_type type);

#endif
