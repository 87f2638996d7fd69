//! Where a run's SES notifications go besides the report: a folder of
//! SNS bodies (`--notifications DIR`) and an HTTP endpoint on this
//! machine (`--notify-url URL`), POSTed to as SNS POSTs to a subscribed
//! endpoint, so that a team can point its own bounce handler at a run.

use std::path::{Path, PathBuf};

use crate::{
    http::{self, LoopbackUrl},
    relay::{Notification, NotificationType},
};

/// Where notifications go; neither by default.
#[derive(Clone, Debug, Default)]
pub struct NotificationTargets {
    /// Each notification's SNS body as `NN-<Type>.json`, in a folder per
    /// scenario below this one (named as `--save` names them).
    pub dir: Option<PathBuf>,
    /// Each notification POSTed here when its scenario has run, in the
    /// order SES published them.
    pub url: Option<LoopbackUrl>,
}

impl NotificationTargets {
    pub fn is_empty(&self) -> bool {
        self.dir.is_none() && self.url.is_none()
    }
}

/// Writes and POSTs `notifications` of the scenario `name`, whose folder
/// below `targets.dir` is `folder`. The error names the file or the URL.
pub(super) async fn deliver_notifications(
    targets: &NotificationTargets,
    folder: Option<&Path>,
    name: &str,
    notifications: &[Notification],
) -> Result<(), String> {
    if let (Some(dir), Some(folder)) = (&targets.dir, folder) {
        let folder = dir.join(folder);
        write_folder(&folder, notifications)
            .map_err(|e| format!("--notifications {}: {e}", folder.display()))?;
    }
    if let Some(url) = &targets.url {
        for n in notifications {
            let headers = n.sns_headers();
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let status = http::post(url, &headers, n.sns_body().as_bytes())
                .await
                .map_err(|e| format!("--notify-url: {e}"))?;
            if !status.is_success() {
                return Err(format!(
                    "--notify-url {url} answered {status} to the {} notification of {name}",
                    n.notification_type()
                ));
            }
        }
    }
    Ok(())
}

/// The file name of the `n`th notification (from 1): `01-Bounce.json`.
pub fn notification_file_name(n: usize, notification_type: NotificationType) -> String {
    format!("{n:02}-{notification_type}.json")
}

/// Writes the notifications into `folder`, after removing the
/// notification files an earlier run left there (and nothing else).
fn write_folder(folder: &Path, notifications: &[Notification]) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_notification_file(&name) && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    for (i, n) in notifications.iter().enumerate() {
        std::fs::write(
            folder.join(notification_file_name(i + 1, n.notification_type())),
            n.sns_body() + "\n",
        )?;
    }
    Ok(())
}

/// `NN-<Type>.json`, as [`notification_file_name`] makes them.
fn is_notification_file(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    let Some((number, kind)) = stem.split_once('-') else {
        return false;
    };
    number.len() >= 2
        && number.bytes().all(|b| b.is_ascii_digit())
        && NotificationType::ALL.iter().any(|t| t.name() == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_notification_files_are_recognised() {
        assert!(is_notification_file("01-Bounce.json"));
        assert!(is_notification_file("12-Delivery.json"));
        assert!(!is_notification_file("1-Bounce.json"));
        assert!(!is_notification_file("01-Other.json"));
        assert!(!is_notification_file("01-Bounce.json.bak"));
        assert!(!is_notification_file("notes.json"));
        assert_eq!(
            notification_file_name(3, NotificationType::Complaint),
            "03-Complaint.json"
        );
    }
}
