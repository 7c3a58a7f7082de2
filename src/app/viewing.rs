//! How the reader moves through a comparison: the cursor and slices (wheel, arrow keys, Page
//! Up/Down, cine, a position typed in mm), a view filling the area, zoom and pan, the windows,
//! the overlay and the registration check. Each acts on the review's [`Viewport`] only.
//!
//! [`Viewport`]: super::review::Viewport

use super::command::Command;
use super::review::Review;

/// Cine: slices per second.
pub const CINE_RATE: f64 = 8.0;

impl Review {
    /// Applies one viewing command; others are not this file's business.
    pub fn apply_view_command(&mut self, command: Command) {
        match command {
            Command::SetCursor(cursor) => self.set_cursor(cursor),
            Command::Scroll(plane, steps) => self.step_slices(plane, steps),
            Command::StepSlice(steps) => self.step_slices(self.viewport.plane, steps),
            Command::ToggleCine => {
                self.viewport.cine = match self.viewport.cine {
                    Some(_) => None,
                    None => Some(f64::NEG_INFINITY),
                };
            }
            Command::ToggleFill(view) => {
                self.viewport.filled = (self.viewport.filled != Some(view)).then_some(view);
            }
            Command::GoToMm(mm) => self.jump_to_mm(mm),
            Command::DragWindow(dx, dy) => self.drag_window(dx, dy),
            Command::WindowPreset(preset) => self.apply_window_preset(preset),
            Command::Zoom(factor) => {
                self.viewport.zoom = (self.viewport.zoom * factor).clamp(1.0, 16.0);
            }
            Command::ResetZoom => {
                self.viewport.zoom = 1.0;
                self.viewport.pan = [0.0; 2];
            }
            Command::Pan(dx, dy) => {
                let pan = &mut self.viewport.pan;
                *pan = [
                    (pan[0] + dx).clamp(-0.5, 0.5),
                    (pan[1] + dy).clamp(-0.5, 0.5),
                ];
            }
            Command::ToggleOverlay => self.viewport.overlay = !self.viewport.overlay,
            Command::SetOpacity(opacity) => self.viewport.opacity = opacity.clamp(0.0, 1.0),
            Command::CycleQc => self.viewport.qc = self.viewport.qc.next(),
            _ => {}
        }
    }

    /// Moves the cursor `steps` slices through `plane`, stopping at the stack's ends.
    fn step_slices(&mut self, plane: super::command::Plane, steps: i32) {
        if let Some(view) = self.shown_view() {
            let axes = tandem::display::plane_axes(view.baseline.geometry(), plane);
            let mut cursor = self.viewport.cursor;
            cursor[axes.through] = cursor[axes.through].round() + f64::from(steps);
            self.set_cursor(cursor);
        }
    }

    /// Cine at time `now` (seconds): the next slice of the main plane when its time has come,
    /// from the last back to the first. True while cine runs (the frame loop keeps drawing).
    pub fn cine_tick(&mut self, now: f64) -> bool {
        let Some(last) = self.viewport.cine else {
            return false;
        };
        if now - last >= 1.0 / CINE_RATE {
            let Some(view) = self.shown_view() else {
                return false;
            };
            let axes = tandem::display::plane_axes(view.baseline.geometry(), self.viewport.plane);
            let n = view.baseline.dims()[axes.through].max(1) as f64;
            let mut cursor = self.viewport.cursor;
            let next = cursor[axes.through].round() + 1.0;
            cursor[axes.through] = if next >= n { 0.0 } else { next };
            self.set_cursor(cursor);
            self.viewport.cine = Some(now);
        }
        true
    }
}
