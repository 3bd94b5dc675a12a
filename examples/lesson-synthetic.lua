-- lesson-synthetic.lua: from one question to real training, on the built-in synthetic images.
--
--   distillery examples/lesson-synthetic.lua
--
-- The synthetic set's classes come in look-alike pairs: a ring and a ring with a small dot, a bar
-- and a bar with a hook... First one question, as a teacher network sees it: a faint dot makes it
-- "ring+dot", but "ring" is close behind and the bars are far off. Then the lesson moves on to
-- real training (x, or the last space): a teacher and two students on the whole set, on the
-- live screen, where the same soft labels are at work on thousands of images.
local kd = require "distillery"

return kd.lesson {
  title = "soft labels on real images",
  questions = {
    {
      question = "This image has a ring with a faint dot. Which class is it?",
      answers  = { "ring", "ring+dot", "plus", "hbar", "block" },
      correct  = 2,
      teacher  = { 2.5, 3.5, -0.5, -2.5, -1.5 },
    },
  },
  script = function()
    say("A ring with a faint dot. The teacher says ring+dot, but ring is close. Space to see.")
    hide()
    wait_key()
    reveal()
    set { T = 3 }
    say("At T = 3 the soft label says: ring+dot, nearly ring, surely no bar. Space: train students.")
    wait_key()
    train(40)
    say("The soft-label student learned the whole ranking. Space: the same on 12,000 images.")
    wait_key()
    start_experiment()
  end,
  -- what the lesson moves on to: a real run on the live screen
  experiment = kd.experiment {
    name    = "lesson: synthetic",
    data    = kd.data.synthetic { ntrain = 6000, ntest = 1000, transfer = 0.05 },
    teacher = { model = kd.mlp { 784, 256, 10 }, epochs = 4 },
    student = { model = kd.mlp { 784, 16, 10 }, epochs = 60 },
    T = 3, alpha = 0.7,
  },
}
