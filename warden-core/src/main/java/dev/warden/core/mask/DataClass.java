package dev.warden.core.mask;

/** Kinds of regulated value the content classifiers recognise in free text. */
public enum DataClass {
  /** A payment card number: 13 to 19 digits passing the Luhn check, spaces or dashes allowed. */
  CARD_NUMBER,
  /** A US social security number: {@code NNN-NN-NNNN} with a valid area, group and serial. */
  SSN,
  /** An e-mail address. */
  EMAIL,
  /** An international bank account number passing the ISO 13616 mod-97 check. */
  IBAN
}
