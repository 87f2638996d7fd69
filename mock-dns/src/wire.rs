//! Conversions between the catalog's records and hickory-proto's wire types.

use hickory_proto::rr::{self, Name, RecordType, rdata};

use crate::{
    name::{NameKey, labels_to_name, name_labels},
    record::{MAX_CHARACTER_STRING, RData, Record},
};

/// A record the wire format cannot carry (a name too long, say).
#[derive(Debug, thiserror::Error)]
#[error("cannot encode \"{name}\" on the wire: {message}")]
pub(crate) struct WireError {
    name: String,
    message: String,
}

/// The hickory-proto name for a name in presentation format.
pub(crate) fn wire_name(name: &str) -> Result<Name, WireError> {
    Name::from_labels(name_labels(name)).map_err(|e| WireError {
        name: name.to_owned(),
        message: e.to_string(),
    })
}

/// A question name as the catalog spells it: lowercase, absolute.
pub(crate) fn name_from_wire(name: &Name) -> String {
    labels_to_name(&name.iter().collect::<Vec<_>>())
}

/// The catalog key of a question name (`name::name_key` of its spelling,
/// straight from the labels as they came off the wire).
pub(crate) fn key_from_wire(name: &Name) -> NameKey {
    name.iter().rev().map(<[u8]>::to_ascii_lowercase).collect()
}

/// The mnemonic of a type, `TYPEnnn` (RFC 3597) for types without one.
pub(crate) fn type_mnemonic(rtype: RecordType) -> String {
    match rtype {
        RecordType::Unknown(code) => format!("TYPE{code}"),
        known => <&'static str>::from(known).to_owned(),
    }
}

/// The wire record for `record`. `owner`, when given, replaces the owner
/// name (to echo the spelling of the question). TXT strings longer than 255
/// bytes are split.
pub(crate) fn to_wire(record: &Record, owner: Option<&Name>) -> Result<rr::Record, WireError> {
    let name = match owner {
        Some(owner) => owner.clone(),
        None => wire_name(&record.name)?,
    };
    let data = match &record.data {
        RData::A(ip) => rr::RData::A(rdata::A(*ip)),
        RData::Aaaa(ip) => rr::RData::AAAA(rdata::AAAA(*ip)),
        RData::Mx {
            preference,
            exchange,
        } => rr::RData::MX(rdata::MX::new(*preference, wire_name(exchange)?)),
        RData::Txt(strings) => {
            let mut chunks: Vec<&[u8]> = strings
                .iter()
                .flat_map(|s| {
                    if s.is_empty() {
                        vec![&s[..]]
                    } else {
                        s.chunks(MAX_CHARACTER_STRING).collect()
                    }
                })
                .collect();
            if chunks.is_empty() {
                chunks.push(&[]);
            }
            rr::RData::TXT(rdata::TXT::from_bytes(chunks))
        }
        RData::Cname(target) => rr::RData::CNAME(rdata::CNAME(wire_name(target)?)),
        RData::Ptr(target) => rr::RData::PTR(rdata::PTR(wire_name(target)?)),
        RData::Ns(target) => rr::RData::NS(rdata::NS(wire_name(target)?)),
        RData::Soa {
            mname,
            rname,
            serial,
            refresh,
            retry,
            expire,
            minimum,
        } => rr::RData::SOA(rdata::SOA::new(
            wire_name(mname)?,
            wire_name(rname)?,
            *serial,
            // The wire fields are 32 bits either way; hickory types them i32.
            refresh.cast_signed(),
            retry.cast_signed(),
            expire.cast_signed(),
            *minimum,
        )),
    };
    Ok(rr::Record::from_rdata(name, record.ttl, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_convert_both_ways() {
        let name = wire_name("Sel._DomainKey.example.com.").unwrap();
        assert_eq!(name.num_labels(), 4);
        assert_eq!(name_from_wire(&name), "sel._domainkey.example.com.");
        assert_eq!(name_from_wire(&Name::root()), ".");
        assert_eq!(
            key_from_wire(&name),
            crate::name::name_key("Sel._DomainKey.example.com.")
        );
        assert!(wire_name(&format!("{}.com.", "a".repeat(64))).is_err());
    }

    #[test]
    fn long_txt_strings_are_split() {
        let record = Record::new("a.", 1, RData::Txt(vec![vec![b'x'; 300], Vec::new()]));
        let wire = to_wire(&record, None).unwrap();
        let rr::RData::TXT(txt) = &wire.data else {
            panic!("expected TXT, found {:?}", wire.data);
        };
        let lengths: Vec<usize> = txt.txt_data.iter().map(|s| s.len()).collect();
        assert_eq!(lengths, vec![255, 45, 0]);
    }

    #[test]
    fn unknown_types_use_the_generic_mnemonic() {
        assert_eq!(type_mnemonic(RecordType::TXT), "TXT");
        assert_eq!(type_mnemonic(RecordType::from(65280)), "TYPE65280");
    }
}
