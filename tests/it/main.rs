mod action;
mod capture;
mod cli;
mod diff;
mod dig;
mod dmarc_read;
mod dmarc_reports;
mod feedback;
mod fuzz_regressions;
mod html;
mod independent;
mod init;
mod invalid;
mod layers;
#[cfg(feature = "live")]
mod live;
#[cfg(feature = "live-offline")]
mod live_offline;
#[cfg(not(feature = "live-offline"))]
mod live_offline_off;
mod load;
mod mock_dns;
mod mta;
mod peers;
mod raw_message;
mod scenarios;
mod support;
