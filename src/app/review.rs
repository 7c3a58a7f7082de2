//! The comparison as the reader works through it: the reading (the library's [`Reading`]),
//! the viewport it is looked at through, which lesion is selected, and the lesions and summary
//! with the reader's decisions and marks applied.

use std::collections::BTreeMap;

use tandem::compare::{PairView, Report};
use tandem::ids::{ExamId, LesionId};
use tandem::reading::{ReadLesion, ReadSummary, Reading, read_summary};

use super::command::{Decision, Plane, QcMode, WindowPreset};
use super::marking::Marking;

/// A finished comparison under review: the reading (the reader's work, which the session
/// saves), how it is looked at (the viewport), and the tools' state.
pub struct Review {
    pub reading: Reading,
    pub viewport: Viewport,
    pub selected: Option<LesionId>,
    /// Changes whenever the comparison does (texture cache keys).
    pub generation: u64,
    /// Histogram of the change map in the brain: (z at bin centre, voxel count).
    pub histogram: Vec<(f64, f64)>,
    /// The reader's marking tools.
    pub marking: Marking,
    /// Practice: the comparison's findings are not shown (outlines, change map, table rows).
    pub hide_findings: bool,
    /// Practice: the summary counts the trainee's own lesions only.
    pub own_counts: bool,
    /// Practice, once scored: the reference lesions, outlined in the views.
    pub reference: Option<ndarray::Array3<bool>>,
    /// The reading as it stands (decisions and marks applied), refreshed by [`Review::sync`].
    lesions: Vec<ReadLesion>,
    /// Where the marked lesions are (centres and locations), as of the last sync.
    places: BTreeMap<LesionId, tandem::reading::MarkedPlace>,
    /// (marks revision, decisions) the cached lesions were made from.
    synced: Option<(u64, BTreeMap<LesionId, Decision>)>,
}

/// How the reader looks at a comparison: nothing here is part of the reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewport {
    /// Index into the comparison's views of the pair on screen (FLAIR first).
    pub view: usize,
    /// Cursor: grid index (column, row, slice) on the comparison grid, shared by all views.
    pub cursor: [f64; 3],
    pub plane: Plane,
    /// Zoom factor (1 = fit) and pan (fraction of the image) shared by all views.
    pub zoom: f32,
    pub pan: [f32; 2],
    /// Display windows (low, high) of the baseline and the follow-up.
    pub windows: [(f32, f32); 2],
    /// Change map drawn over the follow-up.
    pub overlay: bool,
    /// Registration check on the follow-up view.
    pub qc: QcMode,
    /// Opacity of the change overlay.
    pub opacity: f32,
    /// Cine is playing: when it last stepped (seconds of the UI clock).
    pub cine: Option<f64>,
    /// The view (index in the layout) filling the whole area, if one does.
    pub filled: Option<usize>,
}

impl Viewport {
    /// The display window of `exam` (of the pair on screen).
    pub fn window(&self, exam: ExamId) -> (f32, f32) {
        self.windows
            .get(exam.index())
            .copied()
            .unwrap_or((0.0, 1.0))
    }

    /// The first pair, its grid's centre, axial, fitted, overlay on.
    fn new(reading: &Reading) -> Self {
        let cursor = reading
            .views()
            .first()
            .map_or([0.0; 3], |v| v.baseline.dims().map(|d| (d / 2) as f64));
        Self {
            view: 0,
            cursor,
            plane: Plane::Axial,
            zoom: 1.0,
            pan: [0.0; 2],
            windows: [(0.0, 1.0); 2],
            overlay: true,
            qc: QcMode::Off,
            opacity: 0.8,
            cine: None,
            filled: None,
        }
    }
}

impl Review {
    pub fn new(reading: Reading, generation: u64) -> Self {
        let histogram = reading
            .views()
            .first()
            .map(|v| change_histogram(v.z.voxels()))
            .unwrap_or_default();
        let mut review = Self {
            viewport: Viewport::new(&reading),
            reading,
            selected: None,
            generation,
            histogram,
            marking: Marking::default(),
            hide_findings: false,
            own_counts: false,
            reference: None,
            lesions: Vec::new(),
            places: BTreeMap::new(),
            synced: None,
        };
        review.sync();
        if let Some(kind) = review.shown_view().map(|v| v.kind) {
            review.apply_window_preset(tandem::report::opening_preset(kind));
        }
        review
    }

    /// The pair on screen.
    pub fn shown_view(&self) -> Option<&PairView> {
        self.reading.views().get(self.viewport.view)
    }

    /// Sets both windows from a preset.
    pub fn apply_window_preset(&mut self, preset: WindowPreset) {
        if let Some(windows) = self
            .shown_view()
            .map(|view| tandem::display::pair_windows(view, preset))
        {
            self.viewport.windows = windows;
        }
    }

    /// Right-drag on a view: horizontal changes the width, vertical the level (centre). Both
    /// exams' windows change alike (each by the same fraction of its own width), so the two
    /// exams keep looking alike whichever view is dragged.
    pub fn drag_window(&mut self, dx: f32, dy: f32) {
        for window in &mut self.viewport.windows {
            let (lo, hi) = *window;
            let width = (hi - lo).max(1.0);
            let centre = (lo + hi) / 2.0 - dy * width / 200.0;
            let width = (width * (1.0 + dx / 200.0)).max(1.0);
            *window = (centre - width / 2.0, centre + width / 2.0);
        }
    }

    /// Grid dimensions `[i, j, k]` of the comparison grid.
    pub fn dims(&self) -> [usize; 3] {
        self.shown_view().map_or([1; 3], |v| v.baseline.dims())
    }

    /// Moves the cursor to patient position `mm` (LPS) on the pair on screen.
    pub fn jump_to_mm(&mut self, mm: [f64; 3]) {
        if let Some(index) = self
            .shown_view()
            .map(|v| v.baseline.geometry().mm_to_index(mm))
        {
            self.set_cursor(index);
        }
    }

    /// Keeps the cursor inside the grid.
    pub fn set_cursor(&mut self, cursor: [f64; 3]) {
        let dims = self.dims();
        for a in 0..3 {
            self.viewport.cursor[a] = cursor[a].clamp(0.0, (dims[a].max(1) - 1) as f64);
        }
    }

    pub fn report(&self) -> &Report {
        self.reading.report()
    }

    /// Lesions the comparison flags for the reader: new, enlarging, enhancing, or changes no
    /// lesion explains.
    pub fn flagged(&self) -> Vec<LesionId> {
        self.lesions
            .iter()
            .filter(|l| l.flagged())
            .map(|l| l.id)
            .collect()
    }

    /// Whether lesion `id` is one of the comparison's (not the reader's own).
    pub fn found_by_comparison(&self, id: LesionId) -> bool {
        self.report().lesions.iter().any(|l| l.id == id)
    }

    /// Flagged lesions the reader has neither confirmed nor rejected.
    pub fn undecided(&self) -> usize {
        self.lesions
            .iter()
            .filter(|l| l.flagged() && l.decision == tandem::reading::Decision::Pending)
            .count()
    }

    /// The flagged lesion after (or before) the selected one, wrapping around.
    pub fn step(&self, forward: bool) -> Option<LesionId> {
        let flagged = self.flagged();
        let at = self
            .selected
            .and_then(|s| flagged.iter().position(|id| *id == s));
        let n = flagged.len();
        if n == 0 {
            return None;
        }
        let next = match (at, forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        flagged.get(next).copied()
    }

    /// Takes over the reader's work from the review this one replaces (detection rerun with
    /// another threshold): the reading's (see [`Reading::carry_over`]), the view settings, and
    /// the tools.
    pub fn carry_over(&mut self, old: Review) {
        let views = self.reading.views().len();
        self.viewport = old.viewport;
        if self.viewport.view >= views {
            self.viewport.view = 0;
        }
        self.marking = old.marking.clone();
        self.reference = old.reference.clone();
        self.reading.carry_over(old.reading);
        self.synced = None;
        self.sync();
    }

    /// Recomputes the reading now, whatever changed (a restored session replaces the report).
    pub fn resync(&mut self) {
        self.synced = None;
        self.sync();
    }

    /// Recomputes the reading when the marks or the decisions changed since last time.
    pub fn sync(&mut self) {
        let key = (
            self.reading.marks.revision(),
            self.reading.decisions.clone(),
        );
        if self.synced.as_ref() == Some(&key) {
            return;
        }
        // Lesions that did not move keep their location: locating one scans the grid.
        self.places = self.reading.marked_places(&self.places);
        self.lesions = self.reading.lesions_at(&self.places);
        self.synced = Some(key);
    }

    /// Every lesion as the reading stands, by id.
    pub fn lesions(&self) -> &[ReadLesion] {
        &self.lesions
    }

    pub fn lesion(&self, id: LesionId) -> Option<&ReadLesion> {
        self.lesions.iter().find(|l| l.id == id)
    }

    /// The counts the report will state, as the reading stands; in practice, the trainee's
    /// own lesions only (the comparison's are there to learn from, not the trainee's answer).
    pub fn summary(&self) -> ReadSummary {
        if !self.own_counts {
            return read_summary(self.reading.report(), &self.lesions);
        }
        let own: Vec<ReadLesion> = self
            .lesions
            .iter()
            .filter(|l| l.source != tandem::reading::Source::Algorithm)
            .cloned()
            .collect();
        let assessed = self.reading.report().summary.counts;
        tandem::reading::summary_of(assessed, &[], &own)
    }

    /// Ids the comparison uses; reader lesions are numbered above them.
    pub fn reserved_ids(&self) -> Option<LesionId> {
        self.reading.reserved_ids()
    }

    /// The pair whose grid the marks live on.
    pub fn marks_view(&self) -> Option<&PairView> {
        self.reading.marks_view()
    }

    /// Whether the pair on screen is the one the marks live on (tools work only there).
    pub fn marks_on_screen(&self) -> bool {
        self.shown_view().is_some_and(|v| {
            v.baseline.dims() == self.reading.marks.dims()
                && v.baseline.geometry() == self.reading.marks.geometry()
        })
    }

    /// The image of `exam` (the follow-up registered) on the marks' grid; `None` beyond the
    /// pair.
    pub fn exam_values(&self, exam: ExamId) -> Option<&ndarray::Array3<f32>> {
        let view = self.marks_view()?;
        match exam {
            ExamId::BASELINE => Some(view.baseline.voxels()),
            ExamId::FOLLOWUP => Some(view.followup.voxels()),
            _ => None,
        }
    }
}

/// Bin width and range of the change histogram (z-scores).
const BIN: f64 = 0.5;
const Z_RANGE: (f64, f64) = (-15.0, 40.0);

/// Counts of z in bins of 0.5 from −15 to 40, over the brain (exact zeros are outside it).
pub fn change_histogram(z: &ndarray::Array3<f32>) -> Vec<(f64, f64)> {
    let bins = ((Z_RANGE.1 - Z_RANGE.0) / BIN) as usize;
    let mut counts = vec![0u64; bins];
    for v in z {
        if *v == 0.0 {
            continue;
        }
        let b = ((f64::from(*v) - Z_RANGE.0) / BIN).floor();
        if b >= 0.0
            && let Some(c) = counts.get_mut(b as usize)
        {
            *c += 1;
        }
    }
    counts
        .iter()
        .enumerate()
        .map(|(b, c)| (Z_RANGE.0 + (b as f64 + 0.5) * BIN, *c as f64))
        .collect()
}
