/**
 * Masking: how a regulated value is replaced ({@link dev.warden.core.mask.MaskStrategy}) and the
 * content classifiers that find card numbers, SSNs, e-mail addresses and IBANs in free text ({@link
 * dev.warden.core.mask.Classifiers}). Pure functions over strings, protocol-neutral.
 */
package dev.warden.core.mask;
