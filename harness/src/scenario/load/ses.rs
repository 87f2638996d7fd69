//! `via = "ses"`: a send through real Amazon SES.

use super::{
    super::{
        model::SesSender,
        names::{CONFIGURATION_SET, REGION, SES_TAG},
        raw::{RawSender, RawTag},
    },
    context::Context,
};

impl Context<'_> {
    pub(super) fn ses_sender(&mut self, raw: RawSender) -> Option<SesSender> {
        let mark = self.mark();
        let region = raw
            .region
            .as_ref()
            .and_then(|r| self.valid_name(&REGION, r).cloned());
        let configuration_set = raw
            .configuration_set
            .as_ref()
            .and_then(|c| self.valid_name(&CONFIGURATION_SET, c).cloned());
        let tags = raw.tags.map(|t| t.into_inner()).unwrap_or_default();
        let tags = tags.into_iter().map(|tag| self.tag(tag)).collect();
        self.clean_since(mark).then_some(SesSender {
            region,
            configuration_set,
            tags,
        })
    }

    /// An `EmailTags` entry: its name and value, each checked.
    fn tag(&mut self, tag: RawTag) -> (String, String) {
        for part in [&tag.name, &tag.value] {
            self.valid_name(&SES_TAG, part);
        }
        (tag.name.into_inner(), tag.value.into_inner())
    }
}
