//! Real MTAs as the relay: a Postfix + OpenDKIM relay that the harness
//! configures from the scenario and runs (natively from the Debian
//! packages, or in a container with the feature `containers`), and the
//! egress declaration that lets any relay's onward delivery reach the
//! capture with the scenario's egress IP.
//!
//! # Layout
//!
//! - `config`: [`PostfixRelay`] (what `[sender.postfix]` asks for) and the
//!   files that make Postfix and OpenDKIM do it: `main.cf`, `master.cf`,
//!   the envelope rewrite, `opendkim.conf`, the key and signing tables.
//! - `native`: [`NativeMta`], the Debian binaries in a temporary folder on
//!   loopback ports, stopped on drop.
//! - `container`: `ContainerMta`, the same configuration in a container
//!   through testcontainers (feature `containers`).
//! - `egress`: [`EgressProxy`], a loopback TCP forwarder that opens every
//!   connection to the next hop with a PROXY v1 header naming the egress IP.
//! - `managed`: [`ManagedMta`], whichever backend the scenario picked, with
//!   its keys generated and published.

mod config;
#[cfg(feature = "containers")]
mod container;
mod egress;
mod managed;
mod native;

pub use config::{DEFAULT_IMAGE, MtaBackend, PostfixRelay};
#[cfg(feature = "containers")]
pub use container::ContainerMta;
pub use egress::EgressProxy;
pub use managed::ManagedMta;
pub use native::{MtaError, MtaRuntime, NativeMta, SmtpdTls};
