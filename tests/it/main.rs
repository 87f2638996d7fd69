mod capture;
mod cli;
mod scenarios;
mod support;
