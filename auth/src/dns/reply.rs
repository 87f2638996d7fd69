//! A DNS response read straight from its bytes (RFC 1035 §4.1), for
//! [`DirectLookup`](super::DirectLookup): the header, the question it
//! echoes, and the answer records of the type asked, each turned into the
//! value the [`Lookup`](super::Lookup) trait gives. The authority and
//! additional sections are never read. Names in answers may be compressed
//! (§4.1.4); every length and pointer is checked against the message, so
//! that any bytes give an answer or `None`, never a panic.

use std::net::{Ipv4Addr, Ipv6Addr};

use mail_auth::hickory_resolver::proto::rr::{Name, RecordType};

use super::{Mx, rdata};

/// The longest name on the wire, its length octets included (§2.3.4).
const MAX_NAME: usize = 255;

/// What the judge needs of a response to one question.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Reply {
    /// TC: the answer did not fit (over UDP, ask again over TCP).
    pub truncated: bool,
    /// The 4-bit RCODE of the header.
    pub rcode: u8,
    /// The answer section's records of the type asked, in order.
    pub records: Vec<Data>,
}

/// What [`read_echoed`] gives: the reply, each record as bytes.
#[doc(hidden)]
#[derive(Debug, PartialEq, Eq)]
pub struct EchoedReply {
    pub truncated: bool,
    pub rcode: u8,
    /// TXT: the joined strings; A, AAAA: the address as text; MX:
    /// `preference exchange`; PTR: the target; other types: empty.
    pub records: Vec<Vec<u8>>,
}

/// `bytes` read as the response to the question they echo, under their
/// own ID, as [`DirectLookup`](super::DirectLookup) reads every datagram
/// it receives: for the fuzz target `dns_respond`, which holds the reading
/// to hickory's decoder on the mock DNS's responses and runs it on
/// arbitrary bytes. `None` when [`read`] would not take them.
pub fn read_echoed(bytes: &[u8]) -> Option<EchoedReply> {
    let id = u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]);
    let (labels, after) = read_name(bytes, 12)?;
    let rtype = bytes.get(after..after + 2)?;
    let rtype = RecordType::from(u16::from_be_bytes([rtype[0], rtype[1]]));
    let name = Name::from_labels(labels).ok()?;
    let reply = read(bytes, id, &name, rtype)?;
    let records = reply
        .records
        .into_iter()
        .map(|data| match data {
            Data::Txt(bytes) => bytes,
            Data::A(ip) => ip.to_string().into_bytes(),
            Data::Aaaa(ip) => ip.to_string().into_bytes(),
            Data::Mx(mx) => format!("{} {}", mx.preference, mx.exchange).into_bytes(),
            Data::Ptr(target) => target.into_bytes(),
            Data::Other => Vec::new(),
        })
        .collect();
    Some(EchoedReply {
        truncated: reply.truncated,
        rcode: reply.rcode,
        records,
    })
}

/// The data of one answer record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Data {
    /// The character-strings joined (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
    Txt(Vec<u8>),
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Mx(Mx),
    /// The target's labels joined with dots (`rdata::joined`).
    Ptr(String),
    /// A type the trait does not give (the SOA of `exists`).
    Other,
}

/// `bytes` read as the response to question `id` for `name` and
/// `rtype`: `None` when they are something else (another ID, a query, a
/// question other than ours) or cannot be read.
pub(super) fn read(bytes: &[u8], id: u16, name: &Name, rtype: RecordType) -> Option<Reply> {
    let mut at = Cursor { bytes, pos: 0 };
    let header_id = at.u16()?;
    let flags = at.u16()?;
    let questions = at.u16()?;
    let answers = at.u16()?;
    at.skip(4)?; // NSCOUNT, ARCOUNT: sections never read.
    let is_response = flags & 0x8000 != 0;
    if header_id != id || !is_response || questions == 0 {
        return None;
    }
    // The first question must be ours; any others are passed over.
    let (asked, end) = read_name(bytes, at.pos)?;
    at.pos = end;
    let asked_type = at.u16()?;
    at.skip(2)?;
    let ours = asked_type == u16::from(rtype)
        && asked.len() == usize::from(name.num_labels())
        && asked
            .iter()
            .zip(name.iter())
            .all(|(a, b)| a.eq_ignore_ascii_case(b));
    if !ours {
        return None;
    }
    for _ in 1..questions {
        at.pos = skip_name(bytes, at.pos)?;
        at.skip(4)?;
    }
    let mut records = Vec::new();
    for _ in 0..answers {
        at.pos = skip_name(bytes, at.pos)?;
        let record_type = at.u16()?;
        at.skip(6)?; // CLASS, TTL
        let length = usize::from(at.u16()?);
        let start = at.pos;
        let rdata = bytes.get(start..start.checked_add(length)?)?;
        at.pos = start + length;
        if record_type == u16::from(rtype) {
            records.push(data(bytes, start, rdata, rtype)?);
        }
    }
    Some(Reply {
        truncated: flags & 0x0200 != 0,
        rcode: (flags & 0x000f) as u8,
        records,
    })
}

/// The record data at `bytes[start..]` (`rdata`), of type `rtype`; `None`
/// when it is not well formed for its type.
fn data(bytes: &[u8], start: usize, rdata: &[u8], rtype: RecordType) -> Option<Data> {
    let end = start + rdata.len();
    match rtype {
        RecordType::TXT => {
            let mut joined = Vec::with_capacity(rdata.len());
            let mut rest = rdata;
            while let Some((&len, tail)) = rest.split_first() {
                let (string, after) = tail.split_at_checked(usize::from(len))?;
                joined.extend_from_slice(string);
                rest = after;
            }
            Some(Data::Txt(joined))
        }
        RecordType::A => Some(Data::A(<[u8; 4]>::try_from(rdata).ok()?.into())),
        RecordType::AAAA => Some(Data::Aaaa(<[u8; 16]>::try_from(rdata).ok()?.into())),
        RecordType::MX => {
            let preference = u16::from_be_bytes(rdata.get(..2)?.try_into().ok()?);
            let (labels, after) = read_name(bytes, start + 2)?;
            (after == end).then(|| {
                Data::Mx(Mx {
                    preference,
                    exchange: rdata::joined(labels),
                })
            })
        }
        RecordType::PTR => {
            let (labels, after) = read_name(bytes, start)?;
            (after == end).then(|| Data::Ptr(rdata::joined(labels)))
        }
        _ => Some(Data::Other),
    }
}

/// The labels of the name at `bytes[pos..]`, following compression
/// pointers, and the position just after the name where it started.
fn read_name(bytes: &[u8], pos: usize) -> Option<(Vec<&[u8]>, usize)> {
    let mut labels = Vec::new();
    let after = walk_name(bytes, pos, |label| labels.push(label))?;
    Some((labels, after))
}

/// The position just after the name at `bytes[pos..]`, checked as
/// [`read_name`] checks it, without keeping its labels (an answer's owner
/// name).
fn skip_name(bytes: &[u8], pos: usize) -> Option<usize> {
    walk_name(bytes, pos, |_| {})
}

/// Gives each label of the name at `bytes[pos..]` to `label`, following
/// compression pointers, and returns the position just after the name
/// where it started. Pointers must point backwards, so that they cannot
/// loop; the name must fit in 255 octets.
fn walk_name<'a>(
    bytes: &'a [u8],
    mut pos: usize,
    mut label: impl FnMut(&'a [u8]),
) -> Option<usize> {
    let mut length = 1;
    let mut after = None;
    loop {
        let len = *bytes.get(pos)?;
        match len {
            0 => return Some(after.unwrap_or(pos + 1)),
            1..=63 => {
                let text = bytes.get(pos + 1..pos + 1 + usize::from(len))?;
                length += text.len() + 1;
                if length > MAX_NAME {
                    return None;
                }
                label(text);
                pos += 1 + text.len();
            }
            0xc0..=0xff => {
                let target = usize::from(u16::from_be_bytes([len, *bytes.get(pos + 1)?]) & 0x3fff);
                if target >= pos {
                    return None;
                }
                after.get_or_insert(pos + 2);
                pos = target;
            }
            // 0x40 and 0x80: label types RFC 1035 reserves.
            _ => return None,
        }
    }
}

/// A read position in a message.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn u16(&mut self) -> Option<u16> {
        let field = self.bytes.get(self.pos..self.pos + 2)?;
        self.pos += 2;
        Some(u16::from_be_bytes([field[0], field[1]]))
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        self.bytes.get(self.pos..self.pos + n)?;
        self.pos += n;
        Some(())
    }
}

// The values of each type, for `lookup_by_query!`.

pub(super) fn txt(data: Data) -> Option<Vec<u8>> {
    match data {
        Data::Txt(bytes) => Some(bytes),
        _ => None,
    }
}

pub(super) fn a(data: Data) -> Option<Ipv4Addr> {
    match data {
        Data::A(ip) => Some(ip),
        _ => None,
    }
}

pub(super) fn aaaa(data: Data) -> Option<Ipv6Addr> {
    match data {
        Data::Aaaa(ip) => Some(ip),
        _ => None,
    }
}

pub(super) fn mx(data: Data) -> Option<Mx> {
    match data {
        Data::Mx(mx) => Some(mx),
        _ => None,
    }
}

pub(super) fn ptr(data: Data) -> Option<String> {
    match data {
        Data::Ptr(target) => Some(target),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use mail_auth::hickory_resolver::proto::{
        op::{Message, MessageType, OpCode, Query, ResponseCode},
        rr::{RData, Record, rdata},
    };

    use super::*;

    const ID: u16 = 0x5a5a;

    fn name(text: &str) -> Name {
        Name::from_ascii(text).unwrap()
    }

    /// A response as hickory's encoder writes it (names compressed).
    fn response(qname: &str, rtype: RecordType, answers: Vec<RData>) -> Vec<u8> {
        let mut message = Message::response(ID, OpCode::Query);
        message.metadata.message_type = MessageType::Response;
        message.metadata.response_code = ResponseCode::NoError;
        message.add_query(Query::query(name(qname), rtype));
        for data in answers {
            message.add_answer(Record::from_rdata(name(qname), 300, data));
        }
        message.to_vec().unwrap()
    }

    fn samples() -> Vec<(Vec<u8>, &'static str, RecordType)> {
        vec![
            (
                response(
                    "example.com.",
                    RecordType::TXT,
                    vec![
                        RData::TXT(rdata::TXT::new(vec!["v=spf1 ".into(), "-all".into()])),
                        RData::TXT(rdata::TXT::new(vec![String::new()])),
                    ],
                ),
                "example.com.",
                RecordType::TXT,
            ),
            (
                response(
                    "example.com.",
                    RecordType::MX,
                    vec![
                        RData::MX(rdata::MX::new(10, name("mx.example.com."))),
                        RData::MX(rdata::MX::new(20, name("mx.other.test."))),
                    ],
                ),
                "example.com.",
                RecordType::MX,
            ),
            (
                response(
                    "1.2.0.192.in-addr.arpa.",
                    RecordType::PTR,
                    vec![RData::PTR(rdata::PTR(name("host.example.com.")))],
                ),
                "1.2.0.192.in-addr.arpa.",
                RecordType::PTR,
            ),
            (
                response(
                    "example.com.",
                    RecordType::A,
                    vec![RData::A(rdata::A::new(192, 0, 2, 1))],
                ),
                "example.com.",
                RecordType::A,
            ),
            (
                response(
                    "example.com.",
                    RecordType::AAAA,
                    vec![RData::AAAA(
                        "2001:db8::1".parse::<Ipv6Addr>().unwrap().into(),
                    )],
                ),
                "example.com.",
                RecordType::AAAA,
            ),
        ]
    }

    #[test]
    fn reads_what_hickory_writes() {
        let read_all: Vec<Vec<Data>> = samples()
            .iter()
            .map(|(bytes, qname, rtype)| read(bytes, ID, &name(qname), *rtype).unwrap().records)
            .collect();
        assert_eq!(
            read_all,
            vec![
                vec![Data::Txt(b"v=spf1 -all".to_vec()), Data::Txt(Vec::new())],
                vec![
                    Data::Mx(Mx {
                        preference: 10,
                        exchange: "mx.example.com".into()
                    }),
                    Data::Mx(Mx {
                        preference: 20,
                        exchange: "mx.other.test".into()
                    }),
                ],
                vec![Data::Ptr("host.example.com".into())],
                vec![Data::A(Ipv4Addr::new(192, 0, 2, 1))],
                vec![Data::Aaaa("2001:db8::1".parse().unwrap())],
            ]
        );
    }

    #[test]
    fn other_questions_and_ids_are_not_ours() {
        let (bytes, qname, rtype) = &samples()[0];
        assert!(read(bytes, ID, &name("EXAMPLE.com."), *rtype).is_some());
        assert!(read(bytes, ID ^ 1, &name(qname), *rtype).is_none());
        assert!(read(bytes, ID, &name("example.org."), *rtype).is_none());
        assert!(read(bytes, ID, &name("www.example.com."), *rtype).is_none());
        assert!(read(bytes, ID, &name(qname), RecordType::A).is_none());
        let mut query = bytes.clone();
        query[2] &= 0x7f; // QR = 0
        assert!(read(&query, ID, &name(qname), *rtype).is_none());
    }

    /// Any cut of a response, and any byte of it changed, reads as
    /// something or as `None`: never a panic, never a read past the end.
    /// A cut inside the answer section is never taken for the whole
    /// answer.
    #[test]
    fn damaged_responses_never_panic() {
        for (bytes, qname, rtype) in samples() {
            let qname = name(qname);
            for cut in 0..bytes.len() {
                assert!(
                    read(&bytes[..cut], ID, &qname, rtype).is_none(),
                    "{qname} cut at {cut}"
                );
            }
            for at in 0..bytes.len() {
                for value in [0x00, 0x01, 0x3f, 0x40, 0xc0, 0xff] {
                    let mut changed = bytes.clone();
                    changed[at] = value;
                    let _ = read(&changed, ID, &qname, rtype);
                }
            }
        }
    }

    #[test]
    fn pointers_must_point_backwards() {
        // A pointer to itself, and one forwards: both refused.
        assert_eq!(read_name(b"\xc0\x00", 0), None);
        assert_eq!(read_name(b"\x01a\xc0\x04\x00", 0), None);
        // A pointer back to an earlier name.
        let bytes = b"\x01a\x00\x01b\xc0\x00";
        let (labels, after) = read_name(bytes, 3).unwrap();
        assert_eq!(labels, [&b"b"[..], b"a"]);
        assert_eq!(after, 7);
        // Names over 255 octets: refused.
        let mut long = Vec::new();
        for _ in 0..5 {
            long.push(63);
            long.extend_from_slice(&[b'x'; 63]);
        }
        long.push(0);
        assert_eq!(read_name(&long, 0), None);
    }
}
