//! One request in, at most one response out: decoding, faults, the catalog
//! lookup, EDNS and truncation. Sockets are the server's business.

use std::sync::Arc;

use hickory_proto::{
    op::{Edns, Header, Message, MessageType, Metadata, OpCode, Query, ResponseCode},
    serialize::binary::{BinDecodable, BinDecoder},
};

use crate::{
    catalog::Catalog,
    fault::Fault,
    log::{QueryLogEntry, Transport},
    lookup::{Answer, Rcode},
    record::Record,
    wire::{WireError, key_from_wire, name_from_wire, to_wire, type_mnemonic},
};

/// The largest UDP response without EDNS (RFC 1035 §4.2.1).
const CLASSIC_UDP_LIMIT: u16 = 512;
/// The largest UDP response the server sends, and the size it advertises.
const MAX_UDP_PAYLOAD: u16 = 4096;
/// A TCP message's length prefix is 16 bits.
const MAX_TCP_MESSAGE: usize = u16::MAX as usize;

/// What to do with one request.
#[derive(Debug, Default)]
pub(crate) struct Reply {
    /// The response to send; `None` to stay silent.
    pub response: Option<Vec<u8>>,
    /// What to log; `None` for packets that are not queries.
    pub entry: Option<QueryLogEntry>,
}

/// Answers one DNS message received over `transport`.
///
/// - fewer than 12 bytes, or a response (QR=1): silence, nothing logged;
/// - opcode other than QUERY: NOTIMP;
/// - anything else undecodable, or not exactly one question: FORMERR;
/// - a fault on the question: see [`Fault`];
/// - otherwise the catalog's answer, AA=1, the question echoed as asked,
///   an OPT record when the query had one, and TC=1 with empty sections
///   when a UDP response exceeds the client's payload size (512 without
///   EDNS, at most 4096).
pub(crate) fn respond(request: &[u8], transport: Transport, catalog: &Catalog) -> Reply {
    let mut decoder = BinDecoder::new(request);
    let Ok(header) = Header::read(&mut decoder) else {
        return Reply::default();
    };
    if header.message_type == MessageType::Response {
        return Reply::default();
    }
    // A query is decoded once, whole; the question alone is read for the
    // log only when that fails (or for another opcode).
    let message = match header.op_code {
        OpCode::Query => Message::from_vec(request).ok(),
        _ => None,
    };
    let logged = match message.as_ref().and_then(|m| m.queries.first()) {
        Some(question) => Logged::of(Some(question), transport),
        None => {
            let question = match header.counts.queries {
                0 => None,
                _ => Query::read(&mut decoder).ok(),
            };
            Logged::of(question.as_ref(), transport)
        }
    };

    if header.op_code != OpCode::Query {
        return logged.reply(error_response(&header, ResponseCode::NotImp), "NOTIMP");
    }
    let request = match message {
        Some(message) if message.queries.len() == 1 => message,
        _ => return logged.reply(error_response(&header, ResponseCode::FormErr), "FORMERR"),
    };
    let query = &request.queries[0];
    let udp_limit = match &request.edns {
        Some(edns) => edns.max_payload().clamp(CLASSIC_UDP_LIMIT, MAX_UDP_PAYLOAD),
        None => CLASSIC_UDP_LIMIT,
    };

    match catalog.fault(&logged.name, &logged.qtype) {
        Some(Fault::ServFail) => {
            let mut response = empty_response(&request);
            response.metadata.response_code = ResponseCode::ServFail;
            return logged.reply(encode(&response), "SERVFAIL");
        }
        Some(Fault::Timeout) => return logged.reply(None, "TIMEOUT"),
        Some(Fault::Truncate) if transport == Transport::Udp => {
            return logged.reply(encode(&empty_response(&request).truncate()), "TRUNCATED");
        }
        Some(Fault::Truncate) | None => {}
    }

    // Faults are settled above.
    let answer = catalog.resolve(key_from_wire(query.name()), &logged.qtype);
    let response = match full_response(&request, query, &logged.name, &answer) {
        Ok(response) => response,
        Err(_) => {
            let mut response = empty_response(&request);
            response.metadata.response_code = ResponseCode::ServFail;
            return logged.reply(encode(&response), "SERVFAIL");
        }
    };
    let Some(bytes) = encode(&response) else {
        return logged.reply(None, "SERVFAIL");
    };
    let limit = match transport {
        Transport::Udp => usize::from(udp_limit),
        Transport::Tcp => MAX_TCP_MESSAGE,
    };
    if bytes.len() > limit {
        return match transport {
            Transport::Udp => logged.reply(encode(&response.truncate()), "TRUNCATED"),
            Transport::Tcp => {
                let mut response = empty_response(&request);
                response.metadata.response_code = ResponseCode::ServFail;
                logged.reply(encode(&response), "SERVFAIL")
            }
        };
    }
    let rcode = answer.rcode.name();
    Reply {
        response: Some(bytes),
        entry: Some(logged.into_entry(rcode, answer.answers)),
    }
}

/// The question as logged.
struct Logged {
    name: String,
    qtype: String,
    transport: Transport,
}

impl Logged {
    /// `question`'s name (normalised) and type, `""` for each when there
    /// is none.
    fn of(question: Option<&Query>, transport: Transport) -> Logged {
        Logged {
            name: question
                .map(|q| name_from_wire(q.name()))
                .unwrap_or_default(),
            qtype: question
                .map(|q| type_mnemonic(q.query_type()))
                .unwrap_or_default(),
            transport,
        }
    }

    fn into_entry(self, rcode: &str, answers: Vec<Arc<Record>>) -> QueryLogEntry {
        QueryLogEntry {
            name: self.name,
            qtype: self.qtype,
            transport: self.transport,
            rcode: rcode.to_owned(),
            answers,
        }
    }

    /// A reply with no answers to log.
    fn reply(self, response: Option<Vec<u8>>, rcode: &str) -> Reply {
        Reply {
            response,
            entry: Some(self.into_entry(rcode, Vec::new())),
        }
    }
}

/// An error response carrying only the header.
fn error_response(header: &Header, rcode: ResponseCode) -> Option<Vec<u8>> {
    let mut response = Message::error_msg(header.id, header.op_code, rcode);
    response.metadata.recursion_desired = header.recursion_desired;
    response.metadata.checking_disabled = header.checking_disabled;
    encode(&response)
}

/// An authoritative response echoing the question, with OPT when the
/// request had one, and no records.
fn empty_response(request: &Message) -> Message {
    let mut response = Message::response(request.metadata.id, OpCode::Query);
    response.metadata = Metadata::response_from_request(&request.metadata);
    response.metadata.authoritative = true;
    response.add_queries(request.queries.iter().cloned());
    if request.edns.is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(MAX_UDP_PAYLOAD);
        response.set_edns(edns);
    }
    response
}

/// The response for `answer`. Records owned by the question name take the
/// question's spelling (case), as servers that echo the question do.
fn full_response(
    request: &Message,
    query: &Query,
    qname: &str,
    answer: &Answer,
) -> Result<Message, WireError> {
    let mut response = empty_response(request);
    response.metadata.response_code = match answer.rcode {
        Rcode::NoError => ResponseCode::NoError,
        Rcode::NxDomain => ResponseCode::NXDomain,
        Rcode::ServFail => ResponseCode::ServFail,
    };
    for record in &answer.answers {
        let owner = (record.name == qname).then(|| query.name());
        response.add_answer(to_wire(record, owner)?);
    }
    for record in &answer.authority {
        response.add_authority(to_wire(record, None)?);
    }
    Ok(response)
}

fn encode(message: &Message) -> Option<Vec<u8>> {
    message.to_vec().ok()
}

#[cfg(test)]
mod tests {
    use hickory_proto::rr::{Name, RecordType};

    use super::*;

    fn query(name: &str, rtype: RecordType, edns: Option<u16>) -> Vec<u8> {
        let mut message = Message::query();
        message.metadata.id = 0x1234;
        message.metadata.recursion_desired = true;
        message.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
        if let Some(size) = edns {
            let mut e = Edns::new();
            e.set_max_payload(size);
            message.set_edns(e);
        }
        message.to_vec().unwrap()
    }

    fn catalog() -> Catalog {
        let catalog = Catalog::new();
        catalog.add(Record::txt("example.com", 300, "v=spf1 -all"));
        catalog.add(Record::txt("big.example.com", 300, &"k".repeat(1000)));
        catalog
    }

    fn decode(reply: &Reply) -> Message {
        Message::from_vec(reply.response.as_ref().expect("a response")).unwrap()
    }

    #[test]
    fn answers_with_the_question_echoed_as_asked() {
        let reply = respond(
            &query("ExAmple.COM.", RecordType::TXT, None),
            Transport::Udp,
            &catalog(),
        );
        let response = decode(&reply);
        assert_eq!(response.metadata.id, 0x1234);
        assert!(response.metadata.authoritative && response.metadata.recursion_desired);
        assert_eq!(response.queries[0].name().to_ascii(), "ExAmple.COM.");
        assert_eq!(response.answers.len(), 1);
        assert_eq!(response.answers[0].name.to_ascii(), "ExAmple.COM.");
        assert!(response.edns.is_none());
        let entry = reply.entry.unwrap();
        assert_eq!(
            entry.to_string(),
            r#"udp example.com. TXT NOERROR | example.com. 300 IN TXT "v=spf1 -all""#
        );
    }

    /// The server finds records by the question's labels as they came off
    /// the wire: case does not matter, and a label holding a dot or a
    /// space matches the record written with escapes.
    #[test]
    fn questions_find_records_by_their_labels() {
        let catalog = Catalog::new();
        catalog.add(Record::txt(r"A\.b\032c.Example.com", 300, "odd"));
        let name = Name::from_labels([&b"a.B c"[..], b"EXAMPLE", b"com"]).unwrap();
        let mut message = Message::query();
        message.add_query(Query::query(name, RecordType::TXT));
        let reply = respond(&message.to_vec().unwrap(), Transport::Udp, &catalog);
        assert_eq!(decode(&reply).answers.len(), 1);
        assert_eq!(
            reply.entry.unwrap().to_string(),
            r#"udp a\.b\032c.example.com. TXT NOERROR | a\.b\032c.example.com. 300 IN TXT "odd""#
        );
    }

    #[test]
    fn udp_responses_respect_the_payload_size() {
        let catalog = catalog();
        let plain = respond(
            &query("big.example.com.", RecordType::TXT, None),
            Transport::Udp,
            &catalog,
        );
        let response = decode(&plain);
        assert!(response.metadata.truncation && response.answers.is_empty());
        assert_eq!(plain.entry.unwrap().rcode, "TRUNCATED");

        let edns = respond(
            &query("big.example.com.", RecordType::TXT, Some(1232)),
            Transport::Udp,
            &catalog,
        );
        let response = decode(&edns);
        assert!(!response.metadata.truncation);
        assert_eq!(response.edns.as_ref().map(Edns::max_payload), Some(4096));
        assert_eq!(response.answers.len(), 1);

        let tcp = respond(
            &query("big.example.com.", RecordType::TXT, None),
            Transport::Tcp,
            &catalog,
        );
        assert_eq!(decode(&tcp).answers.len(), 1);
    }

    #[test]
    fn malformed_and_unsupported_requests() {
        let catalog = catalog();
        assert!(
            respond(b"short", Transport::Udp, &catalog)
                .response
                .is_none()
        );

        let mut garbage = vec![0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0];
        garbage.extend_from_slice(b"\x3fnot really a name");
        let reply = respond(&garbage, Transport::Udp, &catalog);
        let response = decode(&reply);
        assert_eq!(response.metadata.id, 0xabcd);
        assert_eq!(response.metadata.response_code, ResponseCode::FormErr);
        assert_eq!(reply.entry.unwrap().rcode, "FORMERR");

        let mut notify = query("example.com.", RecordType::SOA, None);
        notify[2] = (notify[2] & 0x87) | (4 << 3);
        let reply = respond(&notify, Transport::Tcp, &catalog);
        assert_eq!(decode(&reply).metadata.response_code, ResponseCode::NotImp);
        let entry = reply.entry.unwrap();
        assert_eq!(
            (entry.name.as_str(), entry.rcode.as_str()),
            ("example.com.", "NOTIMP")
        );

        let mut response = query("example.com.", RecordType::TXT, None);
        response[2] |= 0x80;
        assert!(respond(&response, Transport::Udp, &catalog).entry.is_none());
    }

    #[test]
    fn faults_per_transport() {
        let catalog = catalog();
        let request = query("example.com.", RecordType::TXT, None);
        catalog.set_fault("example.com", Some("TXT"), Fault::Truncate);
        let udp = respond(&request, Transport::Udp, &catalog);
        assert!(decode(&udp).metadata.truncation);
        assert_eq!(udp.entry.unwrap().rcode, "TRUNCATED");
        let tcp = respond(&request, Transport::Tcp, &catalog);
        assert_eq!(decode(&tcp).answers.len(), 1);

        catalog.set_fault("example.com", None, Fault::Timeout);
        let reply = respond(
            &query("example.com.", RecordType::A, None),
            Transport::Tcp,
            &catalog,
        );
        assert!(reply.response.is_none());
        assert_eq!(reply.entry.unwrap().rcode, "TIMEOUT");

        catalog.set_fault("example.com", Some("TXT"), Fault::ServFail);
        let reply = respond(&request, Transport::Udp, &catalog);
        let response = decode(&reply);
        assert_eq!(response.metadata.response_code, ResponseCode::ServFail);
        assert!(response.answers.is_empty());
    }

    #[test]
    fn unknown_types_are_nodata_or_nxdomain() {
        let catalog = catalog();
        let reply = respond(
            &query("example.com.", RecordType::from(65280), None),
            Transport::Udp,
            &catalog,
        );
        let response = decode(&reply);
        assert_eq!(response.metadata.response_code, ResponseCode::NoError);
        assert_eq!(response.authorities.len(), 1);
        assert_eq!(reply.entry.unwrap().qtype, "TYPE65280");
        let reply = respond(
            &query("_dmarc.com.", RecordType::TXT, None),
            Transport::Udp,
            &catalog,
        );
        assert_eq!(
            decode(&reply).metadata.response_code,
            ResponseCode::NXDomain
        );
    }

    #[test]
    fn never_panics_on_random_or_mutated_input() {
        let catalog = catalog();
        catalog.add(Record::new(
            "www.example.com",
            60,
            crate::record::RData::Cname("example.com".into()),
        ));
        // xorshift: deterministic, no dependency.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let valid = query("www.example.com.", RecordType::A, Some(1232));
        for round in 0..20_000 {
            let bytes: Vec<u8> = if round % 2 == 0 {
                let len = (next() % 80) as usize;
                (0..len).map(|_| next() as u8).collect()
            } else {
                let mut bytes = valid.clone();
                for _ in 0..=(next() % 4) {
                    let at = (next() as usize) % bytes.len();
                    bytes[at] = next() as u8;
                }
                bytes.truncate(bytes.len() - (next() % 4) as usize);
                bytes
            };
            let transport = if round % 3 == 0 {
                Transport::Tcp
            } else {
                Transport::Udp
            };
            let reply = respond(&bytes, transport, &catalog);
            if let Some(response) = reply.response {
                assert!(response.len() >= 12);
                assert_eq!(response[..2], bytes[..2], "the id is echoed");
            }
        }
    }
}
