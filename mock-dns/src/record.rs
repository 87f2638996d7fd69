//! Resource records as the catalog stores them, and their master-file syntax.

use std::{
    fmt,
    net::{Ipv4Addr, Ipv6Addr},
};

use crate::{name::normalize_name, presentation::quote_character_string};

/// The longest character-string a TXT record can hold (its length is one byte).
pub(crate) const MAX_CHARACTER_STRING: usize = 255;

/// One resource record of class IN.
///
/// `name` is a lowercase absolute name in presentation format
/// (`"example.com."`); [`Record::new`] and the catalog normalise it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub ttl: u32,
    pub data: RData,
}

/// The data of a record, one variant per supported type.
///
/// Names inside the data are absolute, in presentation format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Mx {
        preference: u16,
        exchange: String,
    },
    /// The character-strings of the record, each up to 255 bytes on the wire
    /// (longer ones are split when the record is served).
    Txt(Vec<Vec<u8>>),
    Cname(String),
    Ptr(String),
    Ns(String),
    Soa {
        mname: String,
        rname: String,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
    },
}

impl Record {
    /// A record with its owner name and the names inside `data` normalised
    /// (lowercase, trailing dot).
    pub fn new(name: &str, ttl: u32, data: RData) -> Record {
        Record {
            name: normalize_name(name),
            ttl,
            data: data.normalized(),
        }
    }

    /// A TXT record holding `text`, split into character-strings of at most
    /// 255 bytes (a DKIM key is longer than that).
    pub fn txt(name: &str, ttl: u32, text: &str) -> Record {
        let strings = if text.is_empty() {
            vec![Vec::new()]
        } else {
            text.as_bytes()
                .chunks(MAX_CHARACTER_STRING)
                .map(<[u8]>::to_vec)
                .collect()
        };
        Record::new(name, ttl, RData::Txt(strings))
    }

    /// The record type's mnemonic: `"A"`, `"AAAA"`, `"MX"`, `"TXT"`, ...
    pub fn rtype(&self) -> &'static str {
        self.data.rtype()
    }
}

impl RData {
    /// The record type's mnemonic: `"A"`, `"AAAA"`, `"MX"`, `"TXT"`, ...
    pub fn rtype(&self) -> &'static str {
        match self {
            RData::A(_) => "A",
            RData::Aaaa(_) => "AAAA",
            RData::Mx { .. } => "MX",
            RData::Txt(_) => "TXT",
            RData::Cname(_) => "CNAME",
            RData::Ptr(_) => "PTR",
            RData::Ns(_) => "NS",
            RData::Soa { .. } => "SOA",
        }
    }

    /// For TXT data, the character-strings concatenated (as SPF, DKIM and
    /// DMARC read them), invalid UTF-8 replaced; `None` for other types.
    pub fn txt_joined(&self) -> Option<String> {
        match self {
            RData::Txt(strings) => Some(String::from_utf8_lossy(&strings.concat()).into_owned()),
            _ => None,
        }
    }

    /// The same data with every name inside it normalised.
    pub(crate) fn normalized(self) -> RData {
        match self {
            RData::Mx {
                preference,
                exchange,
            } => RData::Mx {
                preference,
                exchange: normalize_name(&exchange),
            },
            RData::Cname(target) => RData::Cname(normalize_name(&target)),
            RData::Ptr(target) => RData::Ptr(normalize_name(&target)),
            RData::Ns(target) => RData::Ns(normalize_name(&target)),
            RData::Soa {
                mname,
                rname,
                serial,
                refresh,
                retry,
                expire,
                minimum,
            } => RData::Soa {
                mname: normalize_name(&mname),
                rname: normalize_name(&rname),
                serial,
                refresh,
                retry,
                expire,
                minimum,
            },
            other => other,
        }
    }

    /// The CNAME target, if this is a CNAME.
    pub(crate) fn cname_target(&self) -> Option<&str> {
        match self {
            RData::Cname(target) => Some(target),
            _ => None,
        }
    }
}

/// One line of master-file syntax, e.g.
/// `example.com. 300 IN TXT "v=spf1 -all"` or `example.com. 300 IN MX 10 mx.example.com.`.
impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} IN {} {}",
            self.name,
            self.ttl,
            self.rtype(),
            self.data
        )
    }
}

/// The RDATA part of a master-file line. TXT strings are quoted with `"`,
/// `\` and non-printable bytes escaped; TXT data without strings is written
/// as one empty string `""`.
impl fmt::Display for RData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RData::A(ip) => write!(f, "{ip}"),
            RData::Aaaa(ip) => write!(f, "{ip}"),
            RData::Mx {
                preference,
                exchange,
            } => write!(f, "{preference} {exchange}"),
            RData::Txt(strings) => {
                let mut out = String::new();
                if strings.is_empty() {
                    out.push_str("\"\"");
                }
                for (i, string) in strings.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    quote_character_string(string, &mut out);
                }
                f.write_str(&out)
            }
            RData::Cname(target) | RData::Ptr(target) | RData::Ns(target) => f.write_str(target),
            RData::Soa {
                mname,
                rname,
                serial,
                refresh,
                retry,
                expire,
                minimum,
            } => write!(
                f,
                "{mname} {rname} {serial} {refresh} {retry} {expire} {minimum}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::parse_zone;

    fn round_trip(record: &Record) {
        let line = record.to_string();
        let parsed = parse_zone(&line, ".").unwrap_or_else(|e| panic!("{line}: {e:?}"));
        assert_eq!(parsed, vec![record.clone()], "{line}");
    }

    #[test]
    fn display_re_parses_to_the_same_record() {
        let records = [
            Record::new("Example.com", 300, RData::A("192.0.2.1".parse().unwrap())),
            Record::new(
                "example.com.",
                60,
                RData::Aaaa("2001:db8::1".parse().unwrap()),
            ),
            Record::new(
                "example.com.",
                3600,
                RData::Mx {
                    preference: 10,
                    exchange: "MX.example.com".into(),
                },
            ),
            Record::new(
                "example.com.",
                300,
                RData::Txt(vec![
                    b"v=spf1 ip4:192.0.2.0/24 -all".to_vec(),
                    b"quote \" backslash \\ semicolon ; paren ( tab\t nul\0 high\xff".to_vec(),
                    Vec::new(),
                ]),
            ),
            Record::new("www.example.com.", 300, RData::Cname("example.com.".into())),
            Record::new(
                "1.2.0.192.in-addr.arpa.",
                300,
                RData::Ptr("example.com.".into()),
            ),
            Record::new("example.com.", 86400, RData::Ns("ns1.example.com.".into())),
            Record::new(
                "example.com.",
                3600,
                RData::Soa {
                    mname: "ns1.example.com.".into(),
                    rname: "hostmaster.example.com.".into(),
                    serial: 2024010101,
                    refresh: 7200,
                    retry: 3600,
                    expire: 1209600,
                    minimum: 300,
                },
            ),
            Record::new(
                "_dmarc.example.com.",
                0,
                RData::Txt(vec![b"v=DMARC1; p=reject".to_vec()]),
            ),
        ];
        for record in &records {
            round_trip(record);
        }
    }

    #[test]
    fn display_writes_master_file_syntax() {
        let mx = Record::new(
            "example.com",
            300,
            RData::Mx {
                preference: 10,
                exchange: "mx.example.com".into(),
            },
        );
        assert_eq!(mx.to_string(), "example.com. 300 IN MX 10 mx.example.com.");
        let txt = Record::new(
            "example.com",
            300,
            RData::Txt(vec![b"a\"b".to_vec(), b"c".to_vec()]),
        );
        assert_eq!(txt.to_string(), r#"example.com. 300 IN TXT "a\"b" "c""#);
    }

    #[test]
    fn txt_splits_long_values_into_character_strings() {
        let value: String = (0..600)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let record = Record::txt("sel._domainkey.example.com", 300, &value);
        let RData::Txt(strings) = &record.data else {
            panic!("expected TXT data, found {:?}", record.data);
        };
        assert_eq!(
            strings.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![255, 255, 90]
        );
        assert_eq!(record.data.txt_joined().as_deref(), Some(value.as_str()));
        assert_eq!(record.name, "sel._domainkey.example.com.");
        assert_eq!(record.rtype(), "TXT");
        round_trip(&record);
    }

    #[test]
    fn txt_joined_is_none_for_other_types() {
        assert_eq!(RData::A(Ipv4Addr::LOCALHOST).txt_joined(), None);
        assert_eq!(Record::txt("x.", 1, "").data, RData::Txt(vec![Vec::new()]));
    }
}
