//! The review: assignment, the cut, the presentation schedule, rubric scaling, statistics.
