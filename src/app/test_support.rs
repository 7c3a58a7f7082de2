//! What the UI tests share: the sample pair's comparison, run once per test binary and handed
//! to each app that needs it (as a finished background job, so the app takes it the way it
//! takes its own), stepping a harness until a condition holds, and dragging across a view.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use tandem::reading::Reading;

use super::TandemApp;
use super::jobs::{Activity, Job, JobError, run_comparison};

/// The sample pair compared with the app's default options, once.
pub fn sample_reading() -> Reading {
    static READING: OnceLock<Reading> = OnceLock::new();
    READING
        .get_or_init(|| {
            let (baseline, followup) = super::sample_pair();
            let progress = tandem::progress::Progress::new();
            run_comparison([baseline, followup], Default::default(), &progress)
                .unwrap_or_else(|e| panic!("the sample comparison failed: {e}"))
        })
        .clone()
}

/// The sample pair opened and `setup` applied, its comparison under review (the shared one).
pub fn compared_app(setup: impl FnOnce(&mut TandemApp) + 'static) -> Harness<'static, TandemApp> {
    let reading = sample_reading();
    let (baseline, followup) = super::sample_pair();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(move |cc| {
            let mut app = TandemApp::new(&cc.egui_ctx, Some(baseline), Some(followup));
            // What the setup asks (a practice case opened, say) is done before the comparison
            // arrives, as it would be before a real one finished.
            setup(&mut app);
            app.apply_commands(&cc.egui_ctx);
            let generation = app.next_generation();
            app.comparison = Activity::Running(Job::spawn(
                generation,
                "Registering and comparing",
                cc.egui_ctx.clone(),
                move |_| Ok::<_, JobError>(reading),
            ));
            app
        });
    step_until(&mut harness, "the comparison", |app| {
        app.review.is_some() && !app.busy()
    });
    harness
}

/// Steps until `done` holds (or fails after a generous deadline).
pub fn step_until(
    harness: &mut Harness<'_, TandemApp>,
    what: &str,
    done: impl Fn(&TandemApp) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "{what} took too long");
        if let Activity::Failed(message) = &harness.state().comparison {
            panic!("comparison failed: {message}");
        }
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.run_steps(3);
}

/// Drags the primary button across `from` → `to` in a few steps.
pub fn drag(harness: &mut Harness<'_, TandemApp>, from: egui::Pos2, to: egui::Pos2) {
    harness.hover_at(from);
    harness.drag_at(from);
    harness.run_steps(2);
    for step in 1..=6 {
        harness.hover_at(from + (to - from) * (step as f32 / 6.0));
        harness.run_steps(1);
    }
    harness.drop_at(to);
    harness.run_steps(3);
}
