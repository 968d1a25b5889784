/* placeholder: being written */
typedef int na_placeholder_aeif_cond_alpha_astro;
