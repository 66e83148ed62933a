// Character-level tokenizer. Ids 0..2 are reserved: PAD fills sequences after
// EOS, BOS opens every prompt, EOS closes every completion. Each task declares
// its alphabet; the vocabulary is the specials followed by those characters.

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
const SPECIALS = ['<pad>', '<bos>', '<eos>'] as const;

export class CharTokenizer {
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(readonly alphabet: string) {
    const chars = [...alphabet];
    if (new Set(chars).size !== chars.length) throw new Error(`Tokenizer alphabet has repeated characters: "${alphabet}"`);
    this.vocab = [...SPECIALS, ...chars];
    this.ids = new Map(chars.map((c, i) => [c, i + SPECIALS.length]));
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Ids of the characters of `text`; throws on a character outside the alphabet. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id === undefined) throw new Error(`Character ${JSON.stringify(ch)} is not in the tokenizer alphabet "${this.alphabet}"`);
      out.push(id);
    }
    return out;
  }

  /** BOS + prompt ids: what the policy is conditioned on. */
  encodePrompt(prompt: string): number[] {
    return [BOS, ...this.encode(prompt)];
  }

  /** Text of `ids`, stopping at the first EOS or PAD; BOS is skipped. */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === EOS || id === PAD) break;
      if (id === BOS) continue;
      s += this.vocab[id] ?? '\uFFFD';
    }
    return s;
  }

  toJSON(): { alphabet: string } {
    return { alphabet: this.alphabet };
  }
}
