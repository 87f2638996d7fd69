use crate::keys::KeyPair;

/// The keys the relay signs with, after publishing their public halves.
#[derive(Clone, Debug)]
pub struct PublishedKeys {
    /// SES's own key (`d=amazonses.com`) and its selector.
    pub amazonses: KeyPair,
    pub amazonses_selector: String,
    /// The identity's own key (Easy DKIM or BYODKIM) and the selector it
    /// signs with (an Easy DKIM token, or the BYODKIM selector).
    pub author: Option<(String, KeyPair)>,
}
