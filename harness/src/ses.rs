//! What Amazon SES does that can be observed from outside, as data: the
//! envelope and Message-ID formats per region, its selectors, Easy DKIM
//! tokens, its SPF ranges, the headers it adds (`conventions`), and the
//! records it asks a user to publish for an identity (`records`). The
//! SES-like relay, live mode's audit and `mailharness ses-records` all read
//! SES from here.

mod conventions;
mod records;

pub use conventions::*;
pub use records::{dmarc_record, easy_dkim_record, mail_from_mx, mail_from_spf, user_records};
