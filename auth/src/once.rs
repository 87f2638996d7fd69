//! One message's lookups, each asked once: a [`Lookup`] in front of the
//! judge's DNS client for the length of one verdict. The first caller of
//! a (type, name) asks the server; callers that come while it waits share
//! its answer, and later callers get it at once. Both DMARC
//! specifications, SPF and DKIM thus see one answer per question, and a
//! question that several of them need (`_dmarc.<author domain>`) costs
//! one round trip. Nothing outlives the message: the next one asks again,
//! so a changed record is never judged stale.

use std::{
    collections::HashMap,
    future::{Future, poll_fn},
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    sync::{Mutex, MutexGuard},
    task::{Poll, Waker},
};

use crate::dns::{Answer, Lookup, Mx};

/// `lookup`, each question asked once while this value lives.
pub(crate) struct AskOnce<'a, L> {
    lookup: &'a L,
    txt: Flights<Vec<u8>>,
    a: Flights<Ipv4Addr>,
    aaaa: Flights<Ipv6Addr>,
    mx: Flights<Mx>,
    ptr: Flights<String>,
}

impl<'a, L: Lookup> AskOnce<'a, L> {
    pub fn new(lookup: &'a L) -> Self {
        AskOnce {
            lookup,
            txt: Flights::default(),
            a: Flights::default(),
            aaaa: Flights::default(),
            mx: Flights::default(),
            ptr: Flights::default(),
        }
    }
}

impl<L: Lookup> Lookup for AskOnce<'_, L> {
    async fn txt(&self, name: &str) -> Answer<Vec<u8>> {
        self.txt.ask(name, || self.lookup.txt(name)).await
    }

    async fn a(&self, name: &str) -> Answer<Ipv4Addr> {
        self.a.ask(name, || self.lookup.a(name)).await
    }

    async fn aaaa(&self, name: &str) -> Answer<Ipv6Addr> {
        self.aaaa.ask(name, || self.lookup.aaaa(name)).await
    }

    async fn mx(&self, name: &str) -> Answer<Mx> {
        self.mx.ask(name, || self.lookup.mx(name)).await
    }

    async fn ptr(&self, ip: IpAddr) -> Answer<String> {
        self.ptr.ask(&ip.to_string(), || self.lookup.ptr(ip)).await
    }
}

/// The questions of one record type, by name as asked.
struct Flights<T> {
    states: Mutex<HashMap<String, State<T>>>,
}

impl<T> Default for Flights<T> {
    fn default() -> Self {
        Flights {
            states: Mutex::new(HashMap::new()),
        }
    }
}

enum State<T> {
    /// Asked; these callers wait for the answer.
    Asking(Vec<Waker>),
    Answered(Answer<T>),
}

/// What a caller does with a question.
enum Role<T> {
    Ask,
    Wait,
    Known(Answer<T>),
}

impl<T: Clone> Flights<T> {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, State<T>>> {
        self.states
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn ask<F: Future<Output = Answer<T>>>(
        &self,
        name: &str,
        query: impl FnOnce() -> F,
    ) -> Answer<T> {
        let mut query = Some(query);
        loop {
            let role = {
                let mut states = self.lock();
                match states.get(name) {
                    Some(State::Answered(answer)) => Role::Known(answer.clone()),
                    Some(State::Asking(_)) => Role::Wait,
                    None => {
                        states.insert(name.to_string(), State::Asking(Vec::new()));
                        Role::Ask
                    }
                }
            };
            match role {
                Role::Known(answer) => return answer,
                Role::Ask => {
                    let Some(query) = query.take() else {
                        unreachable!("a caller asks at most once: it returns with the answer")
                    };
                    let mut asking = Asking {
                        flights: self,
                        name,
                        answered: false,
                    };
                    let answer = query().await;
                    asking.answer(answer.clone());
                    return answer;
                }
                Role::Wait => {
                    if let Some(answer) = self.wait(name).await {
                        return answer;
                    }
                    // The caller that asked went away before its answer:
                    // ask again.
                }
            }
        }
    }

    /// The answer to `name` once the caller asking it has it; `None` when
    /// that caller was dropped first.
    async fn wait(&self, name: &str) -> Option<Answer<T>> {
        poll_fn(|cx| {
            let mut states = self.lock();
            match states.get_mut(name) {
                Some(State::Answered(answer)) => Poll::Ready(Some(answer.clone())),
                Some(State::Asking(waiting)) => {
                    if !waiting.iter().any(|w| w.will_wake(cx.waker())) {
                        waiting.push(cx.waker().clone());
                    }
                    Poll::Pending
                }
                None => Poll::Ready(None),
            }
        })
        .await
    }
}

/// The caller asking a question: on drop without an answer the question
/// is forgotten, so that the callers waiting for it ask again.
struct Asking<'f, 'n, T> {
    flights: &'f Flights<T>,
    name: &'n str,
    answered: bool,
}

impl<T> Asking<'_, '_, T> {
    fn answer(&mut self, answer: Answer<T>) {
        let previous = self
            .flights
            .states
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(self.name.to_string(), State::Answered(answer));
        self.answered = true;
        wake(previous);
    }
}

impl<T> Drop for Asking<'_, '_, T> {
    fn drop(&mut self) {
        if !self.answered {
            let previous = self
                .flights
                .states
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(self.name);
            wake(previous);
        }
    }
}

fn wake<T>(state: Option<State<T>>) {
    if let Some(State::Asking(waiting)) = state {
        for waker in waiting {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{sync::atomic::AtomicUsize, sync::atomic::Ordering, time::Duration};

    use super::*;
    use crate::{dns::DnsError, join::join_all};

    /// Counts the questions that reach it; answers after a pause.
    #[derive(Default)]
    struct Counting {
        asked: AtomicUsize,
    }

    impl Lookup for Counting {
        async fn txt(&self, name: &str) -> Answer<Vec<u8>> {
            self.asked.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            match name {
                "gone.example" => Err(DnsError::NxDomain),
                _ => Ok(vec![name.as_bytes().to_vec()]),
            }
        }
        async fn a(&self, _: &str) -> Answer<Ipv4Addr> {
            Ok(Vec::new())
        }
        async fn aaaa(&self, _: &str) -> Answer<Ipv6Addr> {
            Ok(Vec::new())
        }
        async fn mx(&self, _: &str) -> Answer<Mx> {
            Ok(Vec::new())
        }
        async fn ptr(&self, _: IpAddr) -> Answer<String> {
            Ok(Vec::new())
        }
    }

    #[tokio::test]
    async fn each_question_is_asked_once() {
        let counting = Counting::default();
        let once = AskOnce::new(&counting);
        let names = [
            "a.example",
            "b.example",
            "a.example",
            "gone.example",
            "a.example",
        ];
        let answers = join_all(names.iter().map(|n| once.txt(n))).await;
        assert_eq!(counting.asked.load(Ordering::SeqCst), 3);
        assert_eq!(answers[0], Ok(vec![b"a.example".to_vec()]));
        assert_eq!(answers[2], answers[0]);
        assert_eq!(answers[3], Err(DnsError::NxDomain));
        assert_eq!(once.txt("b.example").await, Ok(vec![b"b.example".to_vec()]));
        assert_eq!(counting.asked.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_dropped_asker_leaves_the_question_to_the_waiters() {
        let counting = Counting::default();
        let once = AskOnce::new(&counting);
        // The first caller asks, a second waits for its answer, then the
        // first goes away before the answer.
        let mut first = Box::pin(once.txt("a.example"));
        assert!(futures_poll_once(first.as_mut()).await.is_none());
        let mut waiter = Box::pin(once.txt("a.example"));
        assert!(futures_poll_once(waiter.as_mut()).await.is_none());
        assert_eq!(counting.asked.load(Ordering::SeqCst), 1);
        drop(first);
        assert_eq!(waiter.await, Ok(vec![b"a.example".to_vec()]));
        assert_eq!(counting.asked.load(Ordering::SeqCst), 2);
    }

    async fn futures_poll_once<F: Future + Unpin>(mut future: F) -> Option<F::Output> {
        poll_fn(|cx| {
            Poll::Ready(match std::pin::Pin::new(&mut future).poll(cx) {
                Poll::Ready(v) => Some(v),
                Poll::Pending => None,
            })
        })
        .await
    }
}
