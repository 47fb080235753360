fn main(){capcall_app::run()}
