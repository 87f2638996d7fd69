mod capture;
mod cli;
mod dig;
mod independent;
mod invalid;
mod scenarios;
mod support;
