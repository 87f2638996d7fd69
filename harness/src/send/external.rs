//! Submission to an SMTP relay given by address (`via = "smtp"` with
//! `address`): plain, or STARTTLS with a verified certificate, and AUTH
//! PLAIN or LOGIN with a password read from an environment variable at run
//! time. The password never appears in a file, a report or an error.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use lettre::{
    Address,
    address::Envelope,
    transport::smtp::{
        authentication::{Credentials, Mechanism},
        client::{AsyncSmtpConnection, Certificate, CertificateStore, TlsParameters},
        extension::ClientId,
    },
};

use super::SubmitReply;

/// An SMTP relay that someone else runs.
#[derive(Clone, Debug)]
pub struct ExternalRelay {
    /// Where the sender submits.
    pub address: SocketAddr,
    /// Where the harness receives the relay's onward delivery: the relay's
    /// relayhost must point here. Connections arriving here reach the
    /// capture declared as coming from the scenario's egress IP.
    pub capture: SocketAddr,
    pub tls: SmtpTls,
    pub auth: Option<SmtpAuth>,
}

/// Whether the submission is encrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP; STARTTLS is not used even when offered.
    None,
    /// STARTTLS required, the certificate verified for `name`: against
    /// `ca` only when given (a PEM file), else against the system's roots.
    StartTls { name: String, ca: Option<PathBuf> },
}

/// Credentials: the password is the value of the environment variable
/// `password_env` when the scenario runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpAuth {
    pub username: String,
    pub password_env: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    #[error("cannot reach the relay at {addr}: {reason}")]
    Connect { addr: SocketAddr, reason: String },
    #[error(
        "the relay at {addr} does not offer STARTTLS, which the scenario requires (tls = \"starttls\")"
    )]
    NoStartTls { addr: SocketAddr },
    #[error("STARTTLS with the relay at {addr} failed: {reason}")]
    Tls { addr: SocketAddr, reason: String },
    #[error("cannot read the relay's certificate {path}: {reason}")]
    Ca { path: PathBuf, reason: String },
    #[error(
        "the environment variable {variable} (password_env) is not set; export the relay's password in it"
    )]
    MissingPassword { variable: String },
    #[error("cannot authenticate with the relay at {addr}: {reason}")]
    Auth { addr: SocketAddr, reason: String },
    #[error("invalid envelope: {0}")]
    Envelope(String),
}

/// The password named by `auth`, from the environment.
pub fn relay_password(auth: &SmtpAuth) -> Result<String, ExternalError> {
    std::env::var(&auth.password_env).map_err(|_| ExternalError::MissingPassword {
        variable: auth.password_env.clone(),
    })
}

/// Sends `message` to `relay`, with STARTTLS and AUTH as it says (the
/// password from its environment variable); returns the relay's final
/// reply. A refusal, of the credentials or of the message, is a reply.
pub async fn submit_external(
    relay: &ExternalRelay,
    helo: &str,
    mail_from: &str,
    rcpt_to: &[String],
    message: &[u8],
) -> Result<SubmitReply, ExternalError> {
    let password = relay.auth.as_ref().map(relay_password).transpose()?;
    submit_with(
        relay.address,
        &relay.tls,
        relay
            .auth
            .as_ref()
            .zip(password)
            .map(|(a, p)| Credentials::new(a.username.clone(), p)),
        helo,
        mail_from,
        rcpt_to,
        message,
    )
    .await
}

async fn submit_with(
    addr: SocketAddr,
    tls: &SmtpTls,
    credentials: Option<Credentials>,
    helo: &str,
    mail_from: &str,
    rcpt_to: &[String],
    message: &[u8],
) -> Result<SubmitReply, ExternalError> {
    let parse = |a: &str| {
        a.parse::<Address>()
            .map_err(|e| ExternalError::Envelope(format!("{a:?}: {e}")))
    };
    let envelope = Envelope::new(
        Some(parse(mail_from)?),
        rcpt_to.iter().map(|r| parse(r)).collect::<Result<_, _>>()?,
    )
    .map_err(|e| ExternalError::Envelope(e.to_string()))?;
    let client_id = ClientId::Domain(helo.to_string());
    let failed = |reason: String| ExternalError::Connect { addr, reason };
    // Without Nagle's delay, as every client of the harness
    // (`crate::smtp::connect`).
    let stream = tokio::time::timeout(Duration::from_secs(60), crate::smtp::connect(addr))
        .await
        .map_err(|_| failed("connection timed out".into()))?
        .map_err(|e| failed(e.to_string()))?;
    let mut connection = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &client_id)
        .await
        .map_err(|e| failed(e.to_string()))?;
    if let SmtpTls::StartTls { name, ca } = tls {
        if !connection.can_starttls() {
            return Err(ExternalError::NoStartTls { addr });
        }
        let parameters = tls_parameters(name, ca.as_ref())?;
        connection
            .starttls(parameters, &client_id)
            .await
            .map_err(|e| ExternalError::Tls {
                addr,
                reason: e.to_string(),
            })?;
    }
    if let Some(credentials) = credentials {
        match connection
            .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
            .await
        {
            Ok(_) => {}
            Err(e) => {
                let _ = connection.quit().await;
                return match e.status() {
                    Some(code) => Ok(refusal(code, &e)),
                    None => Err(ExternalError::Auth {
                        addr,
                        reason: e.to_string(),
                    }),
                };
            }
        }
    }
    // lettre ends the data with CRLF "." CRLF itself.
    let data = message.strip_suffix(b"\r\n").unwrap_or(message);
    let result = connection.send(&envelope, data).await;
    let _ = connection.quit().await;
    match result {
        Ok(response) => Ok(SubmitReply {
            accepted: response.is_positive(),
            code: u16::from(response.code()),
            text: response.message().collect::<Vec<_>>().join(" "),
        }),
        Err(e) => match e.status() {
            Some(code) => Ok(refusal(code, &e)),
            None => Err(ExternalError::Connect {
                addr,
                reason: e.to_string(),
            }),
        },
    }
}

fn refusal(
    code: lettre::transport::smtp::response::Code,
    e: &lettre::transport::smtp::Error,
) -> SubmitReply {
    let rendered = e.to_string();
    SubmitReply {
        accepted: false,
        code: u16::from(code),
        text: rendered
            .split_once("): ")
            .map_or(rendered.as_str(), |(_, text)| text)
            .to_string(),
    }
}

fn tls_parameters(name: &str, ca: Option<&PathBuf>) -> Result<TlsParameters, ExternalError> {
    let mut builder = TlsParameters::builder(name.to_string());
    if let Some(path) = ca {
        let ca_error = |reason: String| ExternalError::Ca {
            path: path.clone(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
        builder = builder
            .certificate_store(CertificateStore::None)
            .add_root_certificate(
                Certificate::from_pem(&pem).map_err(|e| ca_error(e.to_string()))?,
            );
    }
    builder.build_rustls().map_err(|e| ExternalError::Tls {
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use tokio::{
        io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
        net::TcpListener,
    };

    use super::*;

    /// A scripted relay that offers `mechanisms` and accepts user/secret.
    async fn fake_relay(
        mechanisms: &'static str,
    ) -> (SocketAddr, tokio::task::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let mut seen = Vec::new();
            write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
            let mut in_data = false;
            let mut login_step = 0;
            while let Ok(Some(line)) = lines.next_line().await {
                let reply = if in_data {
                    if line != "." {
                        continue;
                    }
                    in_data = false;
                    "250 2.0.0 queued".to_string()
                } else if login_step == 1 {
                    login_step = 2;
                    seen.push(format!("user {}", decode(&line)));
                    "334 UGFzc3dvcmQ6".into()
                } else if login_step == 2 {
                    login_step = 0;
                    let ok = decode(&line) == "secret";
                    if ok {
                        "235 2.7.0 ok"
                    } else {
                        "535 5.7.8 bad credentials"
                    }
                    .into()
                } else if line.starts_with("EHLO") {
                    format!("250-fake\r\n250 AUTH {mechanisms}")
                } else if let Some(b64) = line.strip_prefix("AUTH PLAIN ") {
                    let ok = decode(b64) == "\0user\0secret";
                    seen.push("plain".into());
                    if ok {
                        "235 2.7.0 ok"
                    } else {
                        "535 5.7.8 bad credentials"
                    }
                    .into()
                } else if line == "AUTH LOGIN" {
                    seen.push("login".into());
                    login_step = 1;
                    "334 VXNlcm5hbWU6".into()
                } else if line == "DATA" {
                    in_data = true;
                    "354 go on".into()
                } else if line == "QUIT" {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                } else {
                    "250 ok".into()
                };
                write
                    .write_all(format!("{reply}\r\n").as_bytes())
                    .await
                    .unwrap();
            }
            seen
        });
        (addr, task)
    }

    fn decode(b64: &str) -> String {
        String::from_utf8(STANDARD.decode(b64.trim()).unwrap()).unwrap()
    }

    async fn send(addr: SocketAddr, password: &str) -> SubmitReply {
        submit_with(
            addr,
            &SmtpTls::None,
            Some(Credentials::new("user".into(), password.into())),
            "app.test",
            "a@example.com",
            &["b@receiver.test".into()],
            b"Subject: s\r\n\r\nbody\r\n",
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn auth_plain() {
        let (addr, relay) = fake_relay("PLAIN LOGIN").await;
        let reply = send(addr, "secret").await;
        assert!(reply.accepted, "{reply}");
        assert_eq!(relay.await.unwrap(), ["plain"]);
    }

    #[tokio::test]
    async fn auth_login() {
        let (addr, relay) = fake_relay("LOGIN").await;
        let reply = send(addr, "secret").await;
        assert!(reply.accepted, "{reply}");
        assert_eq!(relay.await.unwrap(), ["login", "user user"]);
    }

    #[tokio::test]
    async fn refused_credentials_are_a_reply_without_the_password() {
        let (addr, _relay) = fake_relay("PLAIN").await;
        let reply = send(addr, "wrong-password").await;
        assert!(!reply.accepted);
        assert_eq!(reply.code, 535);
        assert!(!reply.to_string().contains("wrong-password"), "{reply}");
    }

    #[tokio::test]
    async fn starttls_required_but_not_offered() {
        let (addr, _relay) = fake_relay("PLAIN").await;
        let tls = SmtpTls::StartTls {
            name: "relay.test".into(),
            ca: None,
        };
        let error = submit_with(
            addr,
            &tls,
            None,
            "a.test",
            "a@b.test",
            &["c@d.test".into()],
            b"x",
        )
        .await
        .unwrap_err();
        assert!(matches!(error, ExternalError::NoStartTls { .. }), "{error}");
    }

    #[test]
    fn a_missing_password_variable_is_named() {
        let auth = SmtpAuth {
            username: "u".into(),
            password_env: "MAILHARNESS_TEST_SURELY_UNSET_PASSWORD".into(),
        };
        assert_eq!(
            relay_password(&auth).unwrap_err().to_string(),
            "the environment variable MAILHARNESS_TEST_SURELY_UNSET_PASSWORD (password_env) is not set; export the relay's password in it"
        );
    }
}
