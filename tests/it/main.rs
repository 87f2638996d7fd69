mod capture;
mod cli;
mod diff;
mod dig;
mod dmarc_reports;
mod fuzz_regressions;
mod html;
mod independent;
mod invalid;
#[cfg(feature = "live")]
mod live;
mod live_offline;
mod load;
mod mock_dns;
mod mta;
mod raw_message;
mod scenarios;
mod support;
