/* placeholder: being written */
typedef int na_placeholder_astrocyte_lr_1994;
