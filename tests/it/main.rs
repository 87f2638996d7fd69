mod capture;
mod cli;
mod dig;
mod independent;
mod scenarios;
mod support;
