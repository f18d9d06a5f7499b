//! E-mail over SMTP (lettre). Without an SMTP server configured, nothing is sent and callers
//! show the link to the administrator instead; every attempt is written to the mail log.

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use linxuan_store::mail::{self as mail_log, Sent};

use crate::app::Inner;

#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

/// What happened to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// No SMTP server is configured.
    NotConfigured,
    Failed(String),
}

impl Mailer {
    /// `smtp_url` as lettre reads it: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host`.
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from.parse().map_err(|e| format!("LINXUAN_MAIL_FROM {from:?} is not an address: {e}"))?;
        let transport = match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("LINXUAN_SMTP_URL {url:?}: {e}"))?
                    .build(),
            ),
            None => None,
        };
        Ok(Mailer { transport, from })
    }

    pub fn configured(&self) -> bool {
        self.transport.is_some()
    }

    async fn deliver(&self, to: &str, subject: &str, body: &str, attachments: &[Attachment]) -> Delivery {
        let Some(transport) = &self.transport else {
            return Delivery::NotConfigured;
        };
        let to: Mailbox = match to.parse() {
            Ok(m) => m,
            Err(e) => return Delivery::Failed(format!("{to}: {e}")),
        };
        let text = Body::new_with_encoding(body.to_string(), ContentTransferEncoding::QuotedPrintable)
            .unwrap_or_else(Body::new);
        let builder = Message::builder().from(self.from.clone()).to(to).subject(subject);
        let message = if attachments.is_empty() {
            // Quoted-printable keeps links readable in any mail client (and in tests).
            builder.header(ContentType::TEXT_PLAIN).body(text)
        } else {
            let mut parts =
                MultiPart::mixed().singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(text));
            for a in attachments {
                let kind = ContentType::parse(a.content_type).unwrap_or(ContentType::TEXT_PLAIN);
                parts = parts.singlepart(lettre::message::Attachment::new(a.name.clone()).body(a.bytes.clone(), kind));
            }
            builder.multipart(parts)
        };
        let message = match message {
            Ok(m) => m,
            Err(e) => return Delivery::Failed(e.to_string()),
        };
        match transport.send(message).await {
            Ok(_) => Delivery::Sent,
            Err(e) => Delivery::Failed(e.to_string()),
        }
    }
}

/// A file sent with a message (a ticket's QR code).
pub struct Attachment {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Sends a plain-text message and writes the attempt to the mail log.
pub async fn send(state: &Inner, kind: &str, to: &str, subject: &str, body: &str, sent_by: &str) -> Delivery {
    send_with(state, kind, to, subject, body, &[], sent_by).await
}

/// Sends a plain-text message with attachments and writes the attempt to the mail log.
pub async fn send_with(
    state: &Inner,
    kind: &str,
    to: &str,
    subject: &str,
    body: &str,
    attachments: &[Attachment],
    sent_by: &str,
) -> Delivery {
    let delivery = state.mailer.deliver(to, subject, body, attachments).await;
    let (status, error) = match &delivery {
        Delivery::Sent => ("sent", None),
        Delivery::NotConfigured => ("not-configured", None),
        Delivery::Failed(e) => ("failed", Some(e.clone())),
    };
    if let Delivery::Failed(e) = &delivery {
        tracing::warn!(%to, %kind, error = %e, "e-mail not sent");
    }
    let logged =
        mail_log::log(&state.db, state.now(), Sent { recipient: to, subject, kind, status, error, sent_by }).await;
    if let Err(e) = logged {
        tracing::error!(error = %e, "cannot write the mail log");
    }
    delivery
}
