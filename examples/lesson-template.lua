-- lesson-template.lua: a lesson to copy and fill in.
--
--   distillery examples/lesson-template.lua        (distillery --check FILE validates it)
--
-- A lesson asks one or more questions. For each: the answers, the correct one (counted from 1),
-- and the teacher's logits, one per answer: higher means more likely. The gaps between the wrong
-- answers' logits are what the soft labels teach. Up to 8 answers.
local kd = require "distillery"

return kd.lesson {
  title = "a title for the top of the screen",
  questions = {
    {
      question = "Which animal is in the picture? (a cat, to the teacher's eye)",
      answers  = { "cat", "dog", "car" },
      correct  = 1,
      teacher  = { 4.0, 2.5, -2.0 },   -- a dog is plausible, a car is not
    },
    {
      question = "A second question: n and p move between them.",
      answers  = { "yes", "no", "maybe" },
      correct  = 3,
      teacher  = { 1.0, -1.0, 2.0 },
    },
  },
  -- The narration, optional: each line waits or acts, the space bar goes on.
  --   say(text)        show a line of text
  --   wait_key()       wait for the space bar
  --   set { T = 4 }    set the temperature
  --   train(n)         train both students n steps, visibly
  --   hide() reveal()  hide the teacher's bars (let the class predict), show them again
  --   question(i)      go to question i
  --   start_experiment()  leave the lesson for its experiment (below), on the live screen
  -- Keys: space next, t/T temperature, w sweep T, h hide, l learn, r reset the students,
  -- n/p question, c high contrast, g the soft labels as a PNG, x the experiment, q quit.
  script = function()
    say("Press space to begin.")
    wait_key()
    set { T = 2 }
    train(30)
    say("That is all. q quits.")
  end,
  -- experiment = kd.experiment { ... },   -- optional: what x / start_experiment() runs
}
