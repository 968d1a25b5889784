/* placeholder: being written */
typedef int na_placeholder_iaf_cond_exp;
