"""MLM pretraining on a tiny corpus: masking, loss goes down, checkpoint reloads, resume."""

import json

import torch
from conftest import SEED_FILE


def write_corpus(tmp_path):
    p = tmp_path / "corpus.jsonl"
    with open(SEED_FILE, encoding="utf-8") as src, open(p, "w", encoding="utf-8") as dst:
        for line in src:
            dst.write(json.dumps({"text": json.loads(line)["text"]}, ensure_ascii=False) + "\n")
    return p


def config(tmp_path, corpus, steps, lr="5.0e-3"):
    c = tmp_path / "pt.yaml"
    c.write_text(f"""model_name_or_path: scratch
corpus_files: [{corpus}]
vocab_size: 600
hidden_size: 32
num_layers: 1
num_heads: 2
intermediate_size: 64
max_seq_length: 32
output_dir: {tmp_path / 'pt'}
max_steps: {steps}
per_device_train_batch_size: 8
learning_rate: {lr}
save_steps: 10
logging_steps: 5
report_to: none
disable_tqdm: true
use_cpu: true
seed: 3
""")
    return c


def test_whole_word_masking(tokenizer):
    from arabic_events.training.learning.pretraining import WholeWordMaskCollator

    text = "الاتصالات الهاتفية بين الرئيسين " * 8
    enc = tokenizer(text, add_special_tokens=True)
    toks = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    starts = [0 if t.startswith("##") else 1 for t in toks]
    batch = WholeWordMaskCollator(tokenizer, 0.3, seed=1)([{"input_ids": enc["input_ids"], "word_starts": starts}])
    masked = (batch["labels"][0] != -100).tolist()
    # a word is masked entirely or not at all
    i = 1
    while i < len(toks) - 1:
        j = i + 1
        while j < len(toks) - 1 and not starts[j]:
            j += 1
        assert len(set(masked[i:j])) == 1, toks[i:j]
        i = j
    assert any(masked) and not masked[0] and not masked[-1]


def test_pretrain_loss_decreases_checkpoint_reloads_and_resumes(tmp_path):
    from transformers import AutoModel, AutoTokenizer

    from arabic_events.training.learning.pretraining import pretrain

    corpus = write_corpus(tmp_path)
    final = pretrain(config(tmp_path, corpus, 20))
    state = json.loads((tmp_path / "pt" / "checkpoint-20" / "trainer_state.json").read_text())
    losses = [h["loss"] for h in state["log_history"] if "loss" in h]
    assert len(losses) >= 3 and losses[-1] < losses[0]
    assert any("tokens_per_second" in h for h in state["log_history"])
    enc = AutoModel.from_pretrained(final)
    tok = AutoTokenizer.from_pretrained(final)
    out = enc(**tok("بحث بوتين", return_tensors="pt")).last_hidden_state
    assert out.shape[-1] == 32 and torch.isfinite(out).all()
    # resume: a longer budget continues from checkpoint-20
    pretrain(config(tmp_path, corpus, 30))
    state = json.loads((tmp_path / "pt" / "checkpoint-30" / "trainer_state.json").read_text())
    assert state["global_step"] == 30
    assert [h["loss"] for h in state["log_history"] if "loss" in h][:len(losses)] == losses


def test_fine_tuning_accepts_the_pretrained_directory(tmp_path):
    from arabic_events.model.modeling import EventModel
    from arabic_events.training.learning.pretraining import pretrain

    final = pretrain(config(tmp_path, write_corpus(tmp_path), 2))
    model = EventModel.from_encoder(str(final), span_hidden=8, pair_hidden=8)
    assert model.config.encoder_config["hidden_size"] == 32


def test_continue_pretraining_an_existing_encoder(tmp_path):
    from arabic_events.training.learning.pretraining import pretrain

    corpus = write_corpus(tmp_path)
    first = pretrain(config(tmp_path, corpus, 2))
    cont = tmp_path / "cont.yaml"
    cont.write_text(config(tmp_path, corpus, 2).read_text()
                    .replace("model_name_or_path: scratch", f"model_name_or_path: {first}")
                    .replace(f"output_dir: {tmp_path / 'pt'}", f"output_dir: {tmp_path / 'pt2'}"))
    final = pretrain(cont)
    from transformers import AutoTokenizer

    # the existing encoder's tokenizer is kept, not retrained
    assert AutoTokenizer.from_pretrained(final).get_vocab() == AutoTokenizer.from_pretrained(first).get_vocab()
