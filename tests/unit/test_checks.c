/* check-config's pure parts: how a secret's mode is judged and what type a key says it is. */
#include <sys/stat.h>

#include "cli/checks.h"
#include "reporter/dkimkey.h"
#include "tests/unit/unit.h"

static const struct {
    const char *name;
    mode_t mode;
    enum checks_secret_mode want;
} modes[] = {
    {"mode 0600: private", 0600, SECRET_PRIVATE},
    {"mode 0400: private", 0400, SECRET_PRIVATE},
    {"mode 0640: group can read", 0640, SECRET_GROUP_ACCESS},
    {"mode 0620: group can write", 0620, SECRET_GROUP_ACCESS},
    {"mode 0644: others can read", 0644, SECRET_OTHERS_ACCESS},
    {"mode 0602: others can write", 0602, SECRET_OTHERS_ACCESS},
    {"mode 0664: others and group, others wins", 0664, SECRET_OTHERS_ACCESS},
    {"mode 0700 (owner execute): private", 0700, SECRET_PRIVATE},
};

/* Throwaway keys, cut where the type is already known (only their structure is read). */
static const struct {
    const char *name, *key;
    enum dkimkey_type want;
} keys[] = {
    {"PKCS#8 Ed25519 key",
     "-----BEGIN PRIVATE KEY-----\n"
     "MC4CAQAwBQYDK2VwBCIEIJQmsIKOzEu1eh+9hBuRYZFzpwRqqAVN0ZlTj/Uyslge\n"
     "-----END PRIVATE KEY-----\n",
     DKIMKEY_ED25519},
    {"PKCS#8 RSA key",
     "-----BEGIN PRIVATE KEY-----\n"
     "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Hu+moOIcxz2t\n"
     "-----END PRIVATE KEY-----\n",
     DKIMKEY_RSA},
    {"PKCS#1 RSA key (by its header)",
     "-----BEGIN RSA PRIVATE KEY-----\nMIICXAIBAAKBgQC\n-----END RSA PRIVATE KEY-----\n",
     DKIMKEY_RSA},
    {"bare base64 DER of an RSA key", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n",
     DKIMKEY_RSA},
    {"PKCS#8 EC P-256 key: neither",
     "-----BEGIN PRIVATE KEY-----\n"
     "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6iq+I+RI65Dvx5gf\n"
     "-----END PRIVATE KEY-----\n",
     DKIMKEY_NONE},
    {"encrypted key: neither",
     "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0w\n"
     "-----END ENCRYPTED PRIVATE KEY-----\n",
     DKIMKEY_NONE},
    {"a public key: neither",
     "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n", DKIMKEY_NONE},
    {"empty text: neither", "", DKIMKEY_NONE},
    {"not base64 at all: neither", "hello, world\n", DKIMKEY_NONE},
};

int main(void)
{
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        UNIT_CHECK(modes[i].name, checks_secret_mode(modes[i].mode) == modes[i].want,
                   "mode %04o: got %d, want %d", (unsigned)modes[i].mode,
                   (int)checks_secret_mode(modes[i].mode), (int)modes[i].want);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        UNIT_CHECK(keys[i].name, dkimkey_type_of(keys[i].key) == keys[i].want, "got %d, want %d",
                   (int)dkimkey_type_of(keys[i].key), (int)keys[i].want);
    UNIT_STR_EQ("algorithm of an RSA key", "rsa-sha256", dkimkey_algorithm(DKIMKEY_RSA));
    UNIT_STR_EQ("algorithm of an Ed25519 key", "ed25519-sha256", dkimkey_algorithm(DKIMKEY_ED25519));
    return unit_status();
}
