/* cli/prom.c: the Prometheus text format, escaping included. */
#include "cli/prom.h"
#include "tests/unit/unit.h"

int main(void)
{
    struct buf b = BUF_INIT;

    prom_family(&b, "tlsrpt_x", "gauge", "Help with a \\ backslash\nand a newline, \"quotes\" kept.");
    UNIT_STR_EQ("family: HELP escapes backslash and newline, not quotes",
                "# HELP tlsrpt_x Help with a \\\\ backslash\\nand a newline, \"quotes\" kept.\n"
                "# TYPE tlsrpt_x gauge\n",
                b.data);

    buf_reset(&b);
    prom_sample(&b, "tlsrpt_x", 42, NULL);
    UNIT_STR_EQ("sample without labels", "tlsrpt_x 42\n", b.data);

    buf_reset(&b);
    prom_sample(&b, "tlsrpt_x", 0, "a", "1", NULL);
    UNIT_STR_EQ("sample with one label, value 0", "tlsrpt_x{a=\"1\"} 0\n", b.data);

    buf_reset(&b);
    prom_sample(&b, "tlsrpt_x", -7, "policy_type", "sts", "result", "failed", NULL);
    UNIT_STR_EQ("sample with two labels", "tlsrpt_x{policy_type=\"sts\",result=\"failed\"} -7\n",
                b.data);

    buf_reset(&b);
    prom_sample(&b, "tlsrpt_x", 1, "source", "mx\"1\\\n", NULL);
    UNIT_STR_EQ("label value escapes quote, backslash, newline",
                "tlsrpt_x{source=\"mx\\\"1\\\\\\n\"} 1\n", b.data);

    buf_reset(&b);
    prom_sample(&b, "tlsrpt_x", 9223372036854775807LL, "source", "", NULL);
    UNIT_STR_EQ("empty label value, largest value", "tlsrpt_x{source=\"\"} 9223372036854775807\n",
                b.data);

    buf_free(&b);
    return unit_status();
}
