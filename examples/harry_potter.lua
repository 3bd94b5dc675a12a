-- harry_potter.lua: the soft-label intuition in one question, for a class on a projector.
--
--   distillery examples/harry_potter.lua
--
-- "Who is Harry Potter's rival at Hogwarts?" A teacher that answers only "Draco" teaches less than
-- one that says: very sure it's not Ron, somewhat sure it's not Neville, and sure it's Draco.
-- The screen shows the bare answer beside the teacher's soft labels at a temperature T that the
-- t / T keys move (w sweeps it from 0.5 to 20 and back), and two tiny students learning side by
-- side, one from each. Space steps through the narration below.
local kd = require "distillery"

return kd.lesson {
  title = "why soft labels teach more",
  questions = {
    {
      question = "Who is Harry Potter's rival at Hogwarts?",
      answers  = { "Ron", "Neville", "Draco" },
      correct  = 3,
      -- the teacher's logits: Ron very unlikely, Neville somewhat, Draco likely
      teacher  = { -3.0, 1.0, 5.0 },
    },
  },
  script = function()
    hide()
    say("Who is Harry's rival? Ron, Neville or Draco? Guess what the teacher believes, then press space.")
    wait_key()
    reveal()
    say("At T = 1 the teacher is sure of Draco. Its doubts are there, but small. Press space.")
    set { T = 1 }
    wait_key()
    say("Raise T: the doubts show. Not Ron, surely; Neville, maybe. That ranking is the dark knowledge.")
    set { T = 4 }
    wait_key()
    say("Two students start alike. One learns the bare answer, one the soft labels. Watch them learn.")
    train(60)
    say("The bare answer never ranks Ron and Neville; the soft labels do. Press space to end.")
    wait_key()
    say("t/T move the temperature, w sweeps it, l trains more, r starts the students again, q quits.")
  end,
}
