#!/usr/bin/env python3
"""Verify a message saved by `mailharness run --save` with implementations
that share no code with the harness: dkimpy (DKIM), pyspf (SPF) and
authheaders (DMARC policy discovery and identifier alignment, RFC 7489, with
the organizational domain taken from the Public Suffix List it ships).

    verify.py --dns-port PORT EML SIDECAR_JSON

Every DNS lookup goes to 127.0.0.1:PORT (a `mock-dns` serving the saved
`zone.db`), never to the system's resolvers. The header fields the harness
added on top of the received bytes (Return-Path, Authentication-Results,
Received) are removed before verifying; the client IP, HELO and MAIL FROM
come from the sidecar's `envelope`.

Prints one JSON object on stdout:

    {"spf": {"result", "domain", "helo_result", "helo_domain"},
     "dkim": [{"domain", "selector", "result"}, ...],
     "dmarc": {"result", "domain", "policy", "spf_aligned", "dkim_aligned"}}

`spf_aligned` and `dkim_aligned` are DMARC's identifier alignment results:
true when that mechanism passed for a domain aligned with the From domain.

Exit codes: 0 verified (whatever the verdict), 1 an internal error, 2 usage.

Install: pip install dkimpy==1.1.8 pyspf==2.0.14 dnspython==2.9.2 authheaders==0.16.3
"""

import argparse
import json
import sys
from email.utils import getaddresses

import importlib.resources

import authheaders
import dkim
import dns.exception
import dns.rdatatype
import dns.resolver
import spf
from authres import DKIMAuthenticationResult, SPFAuthenticationResult
from publicsuffix2 import PublicSuffixList

# Seconds for one lookup, retries included; the server is on loopback.
LIFETIME = 5.0

# The header fields the harness puts above the received bytes, in order.
ADDED_FIELDS = [b"return-path", b"authentication-results", b"received"]


def organizational_domains():
    """authheaders' own Public Suffix List, read once (authheaders re-reads
    and re-parses the whole file on every call), and with the list's
    default rule: "if no rules match, the prevailing rule is '*'"
    (publicsuffix.org/list), so an unlisted TLD such as .test has its
    registrable domains one label below it. publicsuffix2 answers the bare
    TLD there, which would make esp.test and partner.test one organization
    (RFC 7489 section 3.2 builds on the list's algorithm)."""
    ref = importlib.resources.files("authheaders") / "public_suffix_list.txt"
    with importlib.resources.as_file(ref) as location, open(location) as f:
        psl = PublicSuffixList(f)

    def org_domain(domain):
        domain = domain.lower().rstrip(".")
        found = psl.get_sld(domain, strict=True)
        if found is None:
            labels = domain.split(".")
            found = ".".join(labels[-2:])
        return found

    return org_domain


class VerifyError(Exception):
    """An input or environment problem: reported on stderr, exit 1."""


def make_resolver(port):
    """A resolver that asks 127.0.0.1:port only, without reading resolv.conf."""
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = port
    resolver.lifetime = LIFETIME
    resolver.timeout = LIFETIME
    resolver.cache = None
    resolver.search = []
    resolver.use_search_by_default = False
    # EDNS0 with the DNS Flag Day 2020 payload size, as the harness's own
    # client offers: without it, an answer over 512 bytes (a 2048-bit DKIM
    # key record) comes back truncated and is asked again over TCP.
    resolver.use_edns(0, 0, 1232)
    # Anything that still calls dns.resolver.resolve() or query() without a
    # resolver of its own (authheaders' DMARC lookups do) gets this one too,
    # and no lookup ever falls back to the system's configuration.
    dns.resolver.default_resolver = resolver
    return resolver


def dkim_dnsfunc(resolver):
    """dkimpy's `dnsfunc`: the first TXT record at a name (CNAMEs followed),
    its strings concatenated, or None."""

    def lookup(name, timeout=LIFETIME):
        if isinstance(name, bytes):
            name = name.decode("ascii")
        try:
            answer = resolver.resolve(
                name, dns.rdatatype.TXT, raise_on_no_answer=False, lifetime=timeout
            )
        except dns.resolver.NXDOMAIN:
            return None
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as e:
            raise dkim.DnsTimeoutError(f"dns: {e}") from e
        if answer.rrset is None:
            return None
        for rdata in answer.rrset:
            return b"".join(rdata.strings)
        return None

    return lookup


def spf_dnslookup(resolver):
    """pyspf's module-level `DNSLookup(name, qtype, strict, timeout)`, the
    same shape as its own dnspython backend, on our resolver."""

    def lookup(name, qtype, strict=True, timeout=LIFETIME):
        del strict
        out = []
        try:
            answer = resolver.resolve(name, qtype, lifetime=timeout)
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
            return out
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as e:
            raise spf.TempError(f"DNS {e}") from e
        for rdata in answer:
            if qtype in ("A", "AAAA"):
                out.append(((name, qtype), rdata.address))
            elif qtype == "MX":
                out.append(((name, qtype), (rdata.preference, rdata.exchange)))
            elif qtype == "PTR":
                out.append(((name, qtype), rdata.target.to_text(True)))
            elif qtype in ("TXT", "SPF"):
                out.append(((name, qtype), rdata.strings))
        return out

    return lookup


def split_fields(raw):
    """Splits the header into fields (each with its continuation lines);
    returns (fields, body) where body starts at the empty line."""
    lines = raw.split(b"\r\n")
    fields = []
    for i, line in enumerate(lines):
        if line == b"":
            return fields, b"\r\n".join(lines[i:])
        if line[:1] in (b" ", b"\t"):
            if not fields:
                raise VerifyError("the message starts with a continuation line")
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    raise VerifyError("the message has no empty line ending its header")


def received_message(raw):
    """The bytes the receiver got: the message less the three header fields
    the harness added on top."""
    fields, body = split_fields(raw)
    found = [f.split(b":", 1)[0].strip().lower() for f in fields[: len(ADDED_FIELDS)]]
    if found != ADDED_FIELDS:
        raise VerifyError(
            f"expected the message to start with {[f.decode() for f in ADDED_FIELDS]}, "
            f"found {[f.decode(errors='replace') for f in found]}"
        )
    rest = fields[len(ADDED_FIELDS) :]
    return b"\r\n".join(rest) + b"\r\n" + body


def check_spf(ip, mail_from, helo):
    """MAIL FROM (or postmaster@HELO for the null sender) and HELO, per
    RFC 7208 section 2.3 and 2.4."""
    sender = mail_from or f"postmaster@{helo}"
    result, _ = spf.check2(i=ip, s=sender, h=helo)
    helo_result, _ = spf.check2(i=ip, s=f"postmaster@{helo}", h=helo)
    return {
        "result": result,
        "domain": sender.rsplit("@", 1)[1].lower(),
        "helo_result": helo_result,
        "helo_domain": helo.lower(),
    }, sender


def check_dkim(message, dnsfunc):
    """Every DKIM-Signature, in order of appearance."""
    headers, _ = dkim.rfc822_parse(message)
    count = sum(1 for name, _ in headers if name.lower() == b"dkim-signature")
    out = []
    for idx in range(count):
        # A fresh verifier each time: verify() keeps per-signature state.
        verifier = dkim.DKIM(message)
        try:
            result = "pass" if verifier.verify(idx=idx, dnsfunc=dnsfunc) else "fail"
        except dkim.DnsTimeoutError:
            # The key could not be fetched this time (RFC 6376 section
            # 6.1.2: TEMPFAIL).
            result = "temperror"
        except dkim.ValidationError:
            # The body hash or a tag failed to validate.
            result = "fail"
        except dkim.DKIMException:
            # A malformed signature or key. (dkimpy itself turns a missing
            # key or a DNS failure into False, hence "fail" for those.)
            result = "permerror"
        fields = verifier.signature_fields or {}
        out.append(
            {
                "domain": fields.get(b"d", b"").decode("ascii").lower(),
                "selector": fields.get(b"s", b"").decode("ascii"),
                "result": result,
            }
        )
    return out


def from_domains(message):
    """The RFC5322.From domains, in order, each once (several when From
    lists several authors)."""
    headers, _ = dkim.rfc822_parse(message)
    values = [v for name, v in headers if name.lower() == b"from"]
    addresses = getaddresses(
        [v.replace(b"\r\n", b"").decode(errors="replace").strip() for v in values]
    )
    domains = []
    for _, address in addresses:
        if "@" not in address:
            raise VerifyError(f"expected From addresses, found {addresses}")
        domain = address.rsplit("@", 1)[1].lower()
        if domain not in domains:
            domains.append(domain)
    if not domains:
        raise VerifyError("the message has no From address")
    return domains


def check_dmarc(domain, spf_verdict, spf_sender, dkim_verdicts):
    """authheaders' `dmarc_per_from` once per authenticated identifier, so
    that SPF and DKIM alignment are reported apart, as the harness does."""

    def run(spf_result=None, dkim_result=None):
        result, _, _, policy = authheaders.dmarc_per_from(
            domain, spf_result=spf_result, dkim_result=dkim_result
        )
        return result, policy

    result, policy = run()
    if result == "none":
        return {
            "result": "none",
            "domain": domain,
            "policy": None,
            "spf_aligned": False,
            "dkim_aligned": False,
        }
    spf_result = SPFAuthenticationResult(
        result=spf_verdict["result"], smtp_mailfrom=spf_sender
    )
    spf_aligned = run(spf_result=spf_result)[0] == "pass"
    dkim_aligned = any(
        run(
            dkim_result=DKIMAuthenticationResult(result=d["result"], header_d=d["domain"])
        )[0]
        == "pass"
        for d in dkim_verdicts
    )
    return {
        "result": "pass" if spf_aligned or dkim_aligned else "fail",
        "domain": domain,
        "policy": policy,
        "spf_aligned": spf_aligned,
        "dkim_aligned": dkim_aligned,
    }


# The order RFC 7489 section 6.6.1 ranks failing policies in.
SEVERITY = {None: 0, "none": 1, "quarantine": 2, "reject": 3}


def strictest(verdicts):
    """RFC 7489 section 6.6.1: with several author domains, each is
    evaluated and the strictest policy among those that fail applies; the
    message passes only when every one passes."""
    failing = [v for v in verdicts if v["result"] == "fail"]
    if failing:
        return max(failing, key=lambda v: SEVERITY[v["policy"]])
    if any(v["result"] == "pass" for v in verdicts):
        return next(v for v in verdicts if v["result"] == "pass")
    return verdicts[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dns-port", type=int, required=True, metavar="PORT")
    parser.add_argument("eml")
    parser.add_argument("sidecar")
    args = parser.parse_args()
    try:
        with open(args.eml, "rb") as f:
            raw = f.read()
        with open(args.sidecar, encoding="utf-8") as f:
            envelope = json.load(f)["envelope"]
        ip, helo, mail_from = (envelope[k] for k in ("client_ip", "helo", "mail_from"))

        resolver = make_resolver(args.dns_port)
        spf.DNSLookup = spf_dnslookup(resolver)
        # authheaders calls the name it imported into its own namespace.
        authheaders.get_org_domain = organizational_domains()

        message = received_message(raw)
        spf_verdict, spf_sender = check_spf(ip, mail_from, helo)
        dkim_verdicts = check_dkim(message, dkim_dnsfunc(resolver))
        dmarc_verdict = strictest(
            [
                check_dmarc(domain, spf_verdict, spf_sender, dkim_verdicts)
                for domain in from_domains(message)
            ]
        )
    except (VerifyError, OSError, KeyError, ValueError) as e:
        print(f"verify.py: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - any other failure is internal too
        print(f"verify.py: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    json.dump(
        {"spf": spf_verdict, "dkim": dkim_verdicts, "dmarc": dmarc_verdict},
        sys.stdout,
        indent=2,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
