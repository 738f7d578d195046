#!/usr/bin/perl
# How Mail::DKIM (libmail-dkim-perl, the verifier of SpamAssassin and amavis) judges each DKIM
# signature of a message, the key records served by the test's DNS server.
#   mail_dkim_verify.pl MESSAGE DNS_PORT
# One line per signature, "s=SELECTOR a=ALGORITHM RESULT (detail)", then the message's
# result: "result=pass|fail|invalid|none (detail)".
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::Resolver;

my ($path, $port) = @ARGV;
Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $port,
                                                  recurse => 1, udp_timeout => 3));
open(my $fh, '<', $path) or die "$path: $!";
binmode $fh;
my $dkim = Mail::DKIM::Verifier->new();
while (my $line = <$fh>) {
    $line =~ s/\r?\n\z/\r\n/;
    $dkim->PRINT($line);
}
$dkim->CLOSE();
foreach my $sig ($dkim->signatures) {
    printf "s=%s a=%s %s (%s)\n", $sig->selector, $sig->algorithm, $sig->result,
        $sig->result_detail // '';
}
printf "result=%s (%s)\n", $dkim->result, $dkim->result_detail // '';
